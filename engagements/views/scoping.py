"""Scoping pages: a new engagement, its terms, a new task. The services decide who may; the views parse
forms, call them, and turn a refusal into a page a person can read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator, user_roles
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.events.messages import RELEASED_ON_CREATION_NOTE
from providers.selectors import providers_visible_to
from sla.services import engagement_set_sla

from ..choices import TASK_TRANSITIONS, TaskStatus
from ..forms_scoping import EngagementCreateForm, EngagementTermsForm, TaskCreateForm
from ..selectors import clients_visible_to, engagement_roles, engagements_visible_to
from ..services import (
    ENGAGEMENT_TERMS,
    engagement_create,
    engagement_update_terms,
    task_create,
    task_transition,
)

TASK_CREATORS = TASK_TRANSITIONS[TaskStatus.DRAFT][TaskStatus.READY]


def _may_create_engagements(user) -> bool:
    return is_operator(user) or Role.CONSULTANT_EXECUTIVE in user_roles(user)


@login_required
def engagement_create_view(request):
    if not _may_create_engagements(request.user):
        raise Forbidden(_("Only an executive consultant may create an engagement."))
    form = EngagementCreateForm(
        request.POST or None,
        clients=clients_visible_to(request.user).order_by("name"),
        providers=providers_visible_to(request.user).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            engagement = engagement_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Engagement created. Add its tasks and set its SLA."))
            return redirect(engagement)
    return render(request, "engagements/scoping_engagement_form.html", {"form": form}, status=_status(form))


@login_required
def engagement_terms_view(request, pk: int):
    engagement = get_object_or_404(
        engagements_visible_to(request.user).select_related("client", "provider", "sla"), pk=pk
    )
    if not is_operator(request.user) and Role.CONSULTANT_EXECUTIVE not in engagement_roles(
        request.user, engagement
    ):
        raise Forbidden(_("Only the engagement's executive consultant may change its terms."))
    form = EngagementTermsForm(request.POST or None, instance=engagement)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in ENGAGEMENT_TERMS}
        new_sla = form.cleaned_data["sla"]
        try:
            # Terms and SLA change together or not at all.
            with transaction.atomic():
                fresh = engagements_visible_to(request.user).get(pk=pk)
                previous_sla_id = fresh.sla_id
                updated = engagement_update_terms(engagement=fresh, actor=request.user, **changes)
                if (new_sla.pk if new_sla else None) != previous_sla_id:
                    engagement_set_sla(engagement=updated, sla=new_sla, actor=request.user)
                    messages.info(request, _("SLA changed: every task's clock is being re-measured."))
        except ApplicationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Terms saved."))
            return redirect(updated)
    return render(
        request,
        "engagements/scoping_terms_form.html",
        {"form": form, "engagement": engagement},
        status=_status(form),
    )


@login_required
def task_create_view(request, pk: int):
    engagement = get_object_or_404(
        engagements_visible_to(request.user).select_related("client", "provider"), pk=pk
    )
    if not is_operator(request.user) and not engagement_roles(request.user, engagement) & TASK_CREATORS:
        raise Forbidden(_("Only the client's staff or the engagement's executive may create tasks."))
    form = TaskCreateForm(request.POST or None, instance=None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "release_now"}
        try:
            with transaction.atomic():
                task = task_create(engagement=engagement, actor=request.user, **fields)
                if form.cleaned_data["release_now"]:
                    task = task_transition(
                        task=task,
                        to=TaskStatus.READY,
                        actor=request.user,
                        version=task.version,
                        note=RELEASED_ON_CREATION_NOTE,  # translated when shown
                    )
        except (ApplicationError, PermissionDenied) as refusal:
            form.add_error(None, str(refusal))
        else:
            if task.status == TaskStatus.READY:
                messages.success(request, _("Task created and released: its SLA clock is running."))
            else:
                messages.success(request, _("Draft task created. Release it when it is ready."))
            return redirect(task)
    return render(
        request,
        "engagements/scoping_task_form.html",
        {"form": form, "engagement": engagement},
        status=_status(form),
    )


def _status(form) -> int:
    # A refused submission answers 400, so scripts and tests can tell it from a first display.
    return 400 if form.is_bound and form.errors else 200
