"""Provider directory, scorecards and matching; the recruiting pipeline. Thin: parse, call, render."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kpo.core.exceptions import ApplicationError

from .choices import CANDIDATE_HIRE_FROM, CandidateStage, CertificationStandard
from .forms import CandidateFilterForm, CandidateForm, CandidateHireForm, CandidateMoveForm, NeedForm
from .matching import EXPIRY_WARNING_DAYS, Need, rank
from .models import Candidate
from .selectors import (
    candidate_list_for,
    candidate_stage_counts,
    candidates_visible_to,
    may_list_candidates,
    may_match_providers,
    provider_directory_for,
    provider_match_rows,
    provider_scorecard,
    providers_visible_to,
)
from .services import (
    RESUME_CONTENT_TYPES,
    candidate_add,
    candidate_allowed_moves,
    candidate_hire,
    candidate_may_add,
    candidate_may_hire,
    candidate_may_manage,
    candidate_move,
    candidate_update,
)

CANDIDATES_PER_PAGE = 25
EXCLUDED_SHOWN = 100


def _form_error(form, error: ApplicationError) -> None:
    """Put a service's refusal next to the field it names (or on the form)."""
    name = error.extra.get("field")
    form.add_error(name if name in form.fields else None, error.message)


# --- providers -------------------------------------------------------------------------------------


@login_required
def provider_list(request):
    return render(
        request,
        "providers/provider_list.html",
        {"providers": provider_directory_for(request.user), "may_match": may_match_providers(request.user)},
    )


@login_required
def provider_detail(request, pk: int):
    provider = get_object_or_404(providers_visible_to(request.user).select_related("default_calendar"), pk=pk)
    today = timezone.localdate()
    certifications = []
    for certification in provider.certifications.all():
        if certification.expires_on <= today:
            state = "expired"
        elif certification.issued_on > today:
            state = "not_yet_valid"
        elif (certification.expires_on - today).days <= EXPIRY_WARNING_DAYS:
            state = "expiring"
        else:
            state = "valid"
        certifications.append({"certification": certification, "state": state})
    sites = list(provider.sites.all())
    context = {
        "provider": provider,
        "sites": sites,
        "site_headcount": sum(site.headcount for site in sites),
        "certifications": certifications,
        "service_lines": provider.service_lines.all(),
        "languages": [lang.strip() for lang in provider.languages.split(",") if lang.strip()],
        "rate_cards": provider.rate_cards.prefetch_related("entries"),
        "scorecard": provider_scorecard(request.user, provider),
        "may_match": may_match_providers(request.user),
        "expiry_warning_days": EXPIRY_WARNING_DAYS,
    }
    return render(request, "providers/provider_detail.html", context)


def _need_from(form: NeedForm) -> Need:
    data = form.cleaned_data
    line = data.get("service_line")
    wanted = data.get("certifications") or []
    start, end = data["client_start"], data["client_end"]
    return Need(
        on=timezone.localdate(),
        service_line_id=line.pk if line else None,
        service_line_name=line.name if line else "",
        certifications=tuple((s, str(CertificationStandard(s).label)) for s in wanted),
        languages=data.get("languages") or (),
        countries=data.get("countries") or (),
        min_capacity=data.get("min_capacity"),
        client_time_zone=data.get("client_time_zone") or "",
        client_start_minute=start.hour * 60 + start.minute,
        client_end_minute=end.hour * 60 + end.minute,
        min_overlap_hours=data.get("min_overlap_hours"),
    )


@login_required
@require_GET
def provider_match(request):
    """Rank the directory for a client's need: brokers, executives and operators."""
    if not may_match_providers(request.user):
        raise DjangoPermissionDenied(_("Only brokers and executives search providers for a client's need."))
    asked = bool(request.GET)
    form = NeedForm(request.GET or None)
    ranking = None
    status = 200
    if asked:
        if form.is_valid():
            ranking = rank(provider_match_rows(request.user), _need_from(form))
        else:
            status = 400
    context = {
        "form": form,
        "ranking": ranking,
        "excluded_shown": ranking.excluded[:EXCLUDED_SHOWN] if ranking else [],
        "excluded_more": max(0, len(ranking.excluded) - EXCLUDED_SHOWN) if ranking else 0,
    }
    return render(request, "providers/provider_match.html", context, status=status)


# --- candidates ------------------------------------------------------------------------------------


@login_required
@require_GET
def candidate_list(request):
    if not may_list_candidates(request.user):
        raise DjangoPermissionDenied(_("Candidates are for recruiters and provider managers."))
    visible = candidates_visible_to(request.user)
    providers = (
        providers_visible_to(request.user).filter(pk__in=visible.values("provider_id")).order_by("name")
    )
    form = CandidateFilterForm(request.GET or None, providers=providers)
    candidates = candidate_list_for(request.user)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    if q := filters.get("q"):
        for word in q.split()[:6]:
            candidates = candidates.filter(
                Q(full_name__icontains=word) | Q(email__icontains=word) | Q(skills__icontains=word)
            )
    if provider := filters.get("provider"):
        candidates = candidates.filter(provider=provider)
    if source := filters.get("source"):
        candidates = candidates.filter(source=source)
    # The pipeline summary counts the filtered candidates in every stage (the stage filter aside).
    counts = candidate_stage_counts(candidates)
    if stage := filters.get("stage"):
        candidates = candidates.filter(stage=stage)
    page = Paginator(candidates, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    pipeline = [
        {
            "stage": value,
            "label": label,
            "count": counts.get(value, 0),
            "current": filters.get("stage") == value,
        }
        for value, label in CandidateStage.choices
    ]
    context = {
        "form": form,
        "page": page,
        "pipeline": pipeline,
        "active_filters": bool(filters),
        "may_add": candidate_may_add(request.user),
    }
    return render(request, "providers/candidate_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_create(request):
    if not candidate_may_add(request.user):
        raise DjangoPermissionDenied(_("Only recruiters may add candidates."))
    providers = providers_visible_to(request.user).order_by("name")
    form = CandidateForm(request.POST or None, request.FILES or None, providers=providers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                candidate = candidate_add(
                    actor=request.user,
                    provider=data["provider"],
                    full_name=data["full_name"],
                    source=data["source"],
                    email=data["email"],
                    phone=data["phone"],
                    skills=data["skills"],
                    education=data["education"],
                    notes=data["notes"],
                    resume=data.get("resume"),
                )
            except ApplicationError as error:
                _form_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request, _("Added %(name)s to the pipeline.") % {"name": candidate.full_name}
                )
                return redirect(candidate)
        else:
            status = 400
    return render(request, "providers/candidate_form.html", {"form": form, "candidate": None}, status=status)


def _visible_candidate(request, pk: int) -> Candidate:
    return get_object_or_404(
        candidates_visible_to(request.user).select_related("provider", "recruiter", "team_member"), pk=pk
    )


def _render_candidate(request, candidate: Candidate, *, status: int = 200, move_form=None, hire_form=None):
    may_manage = candidate_may_manage(request.user, candidate)
    moves = [(s, CandidateStage(s).label) for s in candidate_allowed_moves(candidate)] if may_manage else []
    may_hire = candidate.stage == CANDIDATE_HIRE_FROM and candidate_may_hire(request.user, candidate)
    context = {
        "candidate": candidate,
        "may_manage": may_manage,
        "moves": moves,
        "move_form": move_form or CandidateMoveForm(),
        "may_hire": may_hire,
        "hire_form": hire_form or CandidateHireForm(),
        "resume_kind": Path(candidate.resume.name).suffix.lstrip(".").upper() if candidate.resume else "",
    }
    return render(request, "providers/candidate_detail.html", context, status=status)


@login_required
@require_GET
def candidate_detail(request, pk: int):
    return _render_candidate(request, _visible_candidate(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request, pk: int):
    candidate = _visible_candidate(request, pk)
    if not candidate_may_manage(request.user, candidate):
        raise DjangoPermissionDenied(_("Only the candidate's recruiter may change these details."))
    initial = {
        name: getattr(candidate, name)
        for name in ("full_name", "source", "email", "phone", "skills", "education", "notes")
    }
    form = CandidateForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        with_provider=False,
        has_resume=bool(candidate.resume),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                candidate_update(
                    candidate=candidate,
                    actor=request.user,
                    resume=data.get("resume"),
                    remove_resume=data.get("remove_resume", False),
                    **{name: data[name] for name in initial},
                )
            except ApplicationError as error:
                _form_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Saved the changes."))
                return redirect(candidate)
        else:
            status = 400
    return render(
        request, "providers/candidate_form.html", {"form": form, "candidate": candidate}, status=status
    )


@login_required
@require_POST
def candidate_move_view(request, pk: int):
    candidate = _visible_candidate(request, pk)
    form = CandidateMoveForm(request.POST)
    if not form.is_valid():
        return _render_candidate(request, candidate, status=400, move_form=form)
    try:
        candidate_move(
            candidate=candidate,
            stage=form.cleaned_data["stage"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _render_candidate(request, candidate, status=error.status_code, move_form=form)
    messages.success(
        request,
        _("%(name)s is now “%(stage)s”.")
        % {"name": candidate.full_name, "stage": candidate.get_stage_display()},
    )
    return redirect(candidate)


@login_required
@require_POST
def candidate_hire_view(request, pk: int):
    candidate = _visible_candidate(request, pk)
    form = CandidateHireForm(request.POST)
    if not form.is_valid():
        return _render_candidate(request, candidate, status=400, hire_form=form)
    try:
        member = candidate_hire(candidate=candidate, actor=request.user, role=form.cleaned_data["role"])
    except ApplicationError as error:
        _form_error(form, error)
        return _render_candidate(request, candidate, status=error.status_code, hire_form=form)
    messages.success(
        request,
        _("Hired %(name)s into %(provider)s's team as %(role)s.")
        % {"name": member.full_name, "provider": member.provider, "role": member.get_role_display()},
    )
    return redirect(candidate)


@login_required
@require_GET
def candidate_resume(request, pk: int):
    """The resume, as an attachment, to those who may see the candidate only (anyone else: 404)."""
    candidate = get_object_or_404(candidates_visible_to(request.user).exclude(resume=""), pk=pk)
    extension = Path(candidate.resume.name).suffix.lower()
    try:
        handle = candidate.resume.open("rb")
    except FileNotFoundError:
        raise Http404(_("The resume is no longer stored.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{slugify(candidate.full_name) or 'candidate'}-resume{extension}",
        content_type=RESUME_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
