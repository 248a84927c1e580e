"""Report pages: list, authoring, live render status (htmx polling), preview, PDF download.

Every object is reached through reports.selectors: another tenant's report, finding or version is a 404.
Writes go through reports.services; a refusal (ApplicationError) becomes a form or page error.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.core.htmx import htmx_redirect, is_htmx

from . import services
from .api.views import pdf_response
from .choices import PENDING_STATUSES, ReportStatus
from .document import report_document
from .forms import BrandingForm, FindingForm, RecommendationForm, ReportCreateForm, ReportForm
from .models import ReportBranding
from .rendering import RenderMeta, brand_css, render_html
from .selectors import (
    engagements_for_authoring,
    latest_ready_version,
    report_for_page,
    report_list_for,
    report_may_edit,
    versions_visible_to,
)

REPORT_FIELDS = [
    "title",
    "period_start",
    "period_end",
    "executive_summary",
    "include_sla_appendix",
    "include_volume_appendix",
    "include_quality_appendix",
    "include_cost_appendix",
    "fx_rate",
]


def _report_or_404(request, pk: int):
    report = report_for_page(request.user, pk)
    if report is None:
        raise Http404(_("No such report."))
    return report


def _editable_or_404(request, pk: int):
    """A report the user may edit; one they may only read is refused (403), one they cannot see is a 404."""
    report = _report_or_404(request, pk)
    if not report_may_edit(request.user, report):
        raise PermissionDenied(_("Only the engagement's consultants may edit this report."))
    return report


def _forbidden(request, exc: ApplicationError):
    return render(request, "reports/refused.html", {"message": exc.message}, status=exc.status_code)


def _apply_errors(form, exc: ApplicationError) -> None:
    for field, problems in exc.extra.get("fields", {}).items():
        form.add_error(field if field in form.fields else None, " ".join(problems))
    if not exc.extra.get("fields"):
        form.add_error(None, exc.message)


@login_required
@require_GET
def report_list(request):
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": report_list_for(request.user),
            "can_create": engagements_for_authoring(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request):
    engagements = engagements_for_authoring(request.user)
    if not engagements.exists():
        return _forbidden(
            request,
            PermissionDenied(
                _("Only an analyst or executive consultant on an engagement may start a report.")
            ),
        )
    initial = (
        {"engagement": request.GET.get("engagement")} if request.GET.get("engagement", "").isdigit() else {}
    )
    form = ReportCreateForm(request.POST or None, engagements=engagements, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_create(
                engagement=data["engagement"], actor=request.user, **{f: data[f] for f in REPORT_FIELDS}
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Report created. Add findings and recommendations below."))
            return redirect(report)
    return render(
        request,
        "reports/report_form.html",
        {"form": form, "report": None},
        status=400 if form.errors else 200,
    )


def _detail_context(request, report):
    editable = report_may_edit(request.user, report)
    context = {
        "report": report,
        "editable": editable,
        "versions": versions_visible_to(request.user, report),
        "findings": report.findings.all(),
        "recommendations": report.recommendations.all(),
    }
    if editable:
        context["finding_form"] = FindingForm(prefix="finding")
        context["recommendation_form"] = RecommendationForm(prefix="rec", report=report)
        context["pending"] = report.status in PENDING_STATUSES
    else:
        ready = latest_ready_version(report)
        context["published"] = ready
        context["published_html"] = _snapshot_sections(ready)
    return context


def _snapshot_sections(version):
    """The published version's text for a reader's page (sanitised Markdown), from its snapshot."""
    from .rendering import markdown_html

    if version is None:
        return None
    document = version.content
    return {
        "summary": markdown_html(document["report"]["executive_summary"]),
        "findings": [{**f, "html": markdown_html(f["evidence"])} for f in document["findings"]],
        "recommendations": [
            {**r, "html": markdown_html(r["rationale"])} for r in document["recommendations"]
        ],
    }


@login_required
@require_GET
def report_detail(request, pk: int):
    report = _report_or_404(request, pk)
    return render(request, "reports/report_detail.html", _detail_context(request, report))


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    initial = {field: getattr(report, field) for field in REPORT_FIELDS}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_update(
                report=report, actor=request.user, **{f: form.cleaned_data[f] for f in REPORT_FIELDS}
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Report saved."))
            return redirect(report)
    return render(
        request,
        "reports/report_form.html",
        {"form": form, "report": report},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def branding_edit(request, pk: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    branding = ReportBranding.objects.filter(engagement=report.engagement).first()
    initial = (
        {
            "accent_colour": branding.accent_colour,
            "prepared_by": branding.prepared_by,
            "confidentiality": branding.confidentiality,
        }
        if branding
        else {"accent_colour": "#0b3d6b"}
    )
    form = BrandingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.branding_set(engagement=report.engagement, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Branding saved for every report of this engagement."))
            return redirect(report)
    return render(
        request,
        "reports/branding_form.html",
        {"form": form, "report": report},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def finding_add(request, pk: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    form = FindingForm(request.POST, prefix="finding")
    if form.is_valid():
        try:
            services.finding_create(report=report, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Finding added."))
            return redirect(f"{report.get_absolute_url()}#findings")
    context = _detail_context(request, report)
    context["finding_form"] = form
    return render(request, "reports/report_detail.html", context, status=400)


def _finding_or_404(report, finding_id: int):
    return get_object_or_404(report.findings.all(), pk=finding_id)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int, finding_id: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    finding = _finding_or_404(report, finding_id)
    initial = {
        "title": finding.title,
        "evidence": finding.evidence,
        "figure_kind": (finding.figure or {}).get("kind", ""),
    }
    form = FindingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(finding=finding, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Finding saved."))
            return redirect(f"{report.get_absolute_url()}#finding-{finding.pk}")
    return render(
        request,
        "reports/item_form.html",
        {"form": form, "report": report, "kind": "finding", "item": finding},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def finding_delete(request, pk: int, finding_id: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    services.finding_delete(finding=_finding_or_404(report, finding_id), actor=request.user)
    messages.success(request, _("Finding removed."))
    return htmx_redirect(request, f"{report.get_absolute_url()}#findings")


@login_required
@require_POST
def recommendation_add(request, pk: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    form = RecommendationForm(request.POST, prefix="rec", report=report)
    if form.is_valid():
        try:
            services.recommendation_create(report=report, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Recommendation added."))
            return redirect(f"{report.get_absolute_url()}#recommendations")
    context = _detail_context(request, report)
    context["recommendation_form"] = form
    return render(request, "reports/report_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request, pk: int, recommendation_id: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    recommendation = get_object_or_404(report.recommendations.all(), pk=recommendation_id)
    initial = {
        "action": recommendation.action,
        "rationale": recommendation.rationale,
        "priority": recommendation.priority,
        "expected_impact": recommendation.expected_impact,
        "owner": recommendation.owner,
        "due_date": recommendation.due_date,
        "supporting_findings": list(recommendation.supporting_findings.all()),
    }
    form = RecommendationForm(request.POST or None, initial=initial, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_update(
                recommendation=recommendation, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Recommendation saved."))
            return redirect(f"{report.get_absolute_url()}#recommendation-{recommendation.pk}")
    return render(
        request,
        "reports/item_form.html",
        {"form": form, "report": report, "kind": "recommendation", "item": recommendation},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def recommendation_delete(request, pk: int, recommendation_id: int):
    try:
        report = _editable_or_404(request, pk)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    recommendation = get_object_or_404(report.recommendations.all(), pk=recommendation_id)
    services.recommendation_delete(recommendation=recommendation, actor=request.user)
    messages.success(request, _("Recommendation removed."))
    return htmx_redirect(request, f"{report.get_absolute_url()}#recommendations")


def _status_context(request, report):
    report.refresh_from_db(fields=["status", "last_error", "updated_at"])
    versions = versions_visible_to(request.user, report)
    return {
        "report": report,
        "editable": report_may_edit(request.user, report),
        "latest": versions.first(),
        "pending": report.status in PENDING_STATUSES,
    }


@login_required
@require_POST
def report_render(request, pk: int):
    """ "Generate PDF": queue a render (or join the one under way) and show its live status."""
    report = _report_or_404(request, pk)
    try:
        version, created = services.report_render_request(report=report, actor=request.user)
    except ApplicationError as exc:
        if isinstance(exc, PermissionDenied) and not is_htmx(request):
            return _forbidden(request, exc)
        if is_htmx(request):
            context = _status_context(request, report)
            context["error"] = exc.message
            return render(request, "reports/_render_status.html", context, status=exc.status_code)
        messages.error(request, exc.message)
        return redirect(report)
    if is_htmx(request):
        return render(request, "reports/_render_status.html", _status_context(request, report), status=202)
    if created:
        messages.success(request, _("Version %(n)d is queued for rendering.") % {"n": version.number})
    else:
        messages.info(request, _("Version %(n)d is already being rendered.") % {"n": version.number})
    return redirect(report)


@login_required
@require_GET
def report_status(request, pk: int):
    """The live status fragment; htmx polls it while a render is queued or under way."""
    report = _report_or_404(request, pk)
    context = _status_context(request, report)
    response = render(request, "reports/_render_status.html", context)
    if not context["pending"] and request.headers.get("HX-Trigger") == "render-status":
        # The render finished: swap in the final state and tell htmx to stop polling.
        stop = HttpResponseStopPolling(response.content)
        stop["Content-Type"] = response["Content-Type"]
        return stop
    return response


@login_required
@require_GET
def report_preview(request, pk: int):
    """The report as the PDF prints it: the live draft for its editors, the published version for readers."""
    report = _report_or_404(request, pk)
    if report_may_edit(request.user, report):
        html = render_html(report_document(report), RenderMeta(preview=True))
    else:
        version = latest_ready_version(report)
        if version is None:
            raise Http404(_("This report has no published version."))
        html = _version_html(version)
    return HttpResponse(html)


def _version_html(version) -> str:
    from .services.render import _meta

    meta = _meta(version)
    return render_html(version.content, RenderMeta(**{**meta.__dict__, "preview": True}))


@login_required
@require_GET
def version_preview(request, pk: int, number: int):
    report = _report_or_404(request, pk)
    version = get_object_or_404(versions_visible_to(request.user, report), number=number)
    if not version.content:
        raise Http404(_("This version has no content."))
    return HttpResponse(_version_html(version))


@login_required
@require_GET
def version_pdf(request, pk: int, number: int):
    report = _report_or_404(request, pk)
    version = get_object_or_404(
        versions_visible_to(request.user, report).filter(status=ReportStatus.READY), number=number
    )
    return pdf_response(version)


@login_required
@require_GET
def brand_stylesheet(request):
    """The branding colours of a report (validated hex only; no database access)."""
    response = HttpResponse(brand_css(request.GET.get("accent", "")), content_type="text/css")
    response["Cache-Control"] = "private, max-age=3600"
    return response
