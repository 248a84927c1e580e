"""The task detail page and its actions. Thin: parse, call a service or a selector, render.

Every task is reached through `tasks_visible_to`, so another tenant's id is a 404. Writes go through the
services (`task_transition`, `task_assign`, `task_set_priority`, `review_submit`, `deliverable_add`), whose
ApplicationError messages are shown on the form the person used. The board is in `board.py`, the SLA
clock chart's geometry in `chart.py`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator
from kpo.core.exceptions import ApplicationError, StaleVersion
from providers.models import TeamMember
from sla.selectors import task_clock_timelines, task_clock_views

from ..choices import TASK_TRANSITIONS, TaskStatus
from ..forms import (
    AssignForm,
    CommentForm,
    DeliverableForm,
    PriorityForm,
    ReviewForm,
    TaskTransitionForm,
)
from ..selectors import deliverables_visible_to, engagement_roles, tasks_visible_to
from ..services import (
    deliverable_add,
    review_submit,
    task_assign,
    task_set_priority,
    task_transition,
    task_transitions_available,
)
from ..services.deliverable import ACCEPTED_TYPES_TEXT, DELIVERABLE_STATUSES
from .chart import clock_chart

_CLIENT_SIDE = frozenset({Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE})


def _task_queryset(user):
    return tasks_visible_to(user).select_related(
        "engagement__client", "engagement__provider", "assignee", "sla__calendar"
    )


@login_required
def task_detail(request, pk: int):
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    return _render_task(request, task)


def _task_abilities(request, task) -> dict:
    roles = engagement_roles(request.user, task.engagement)
    operator = is_operator(request.user)
    open_task = bool(TASK_TRANSITIONS.get(task.status))
    moves = [TaskStatus(s) for s in task_transitions_available(task=task, actor=request.user)]
    provider_delivers = (
        operator
        or Role.PROVIDER_MANAGER in roles
        or (
            Role.PROVIDER_ANALYST in roles
            and task.assignee is not None
            and task.assignee.user_id == request.user.pk
        )
    )
    return {
        "roles": roles,
        "moves": moves,
        "can_deliver": provider_delivers and task.status in DELIVERABLE_STATUSES,
        "can_review": task.status == TaskStatus.DELIVERED and TaskStatus.ACCEPTED in moves,
        "can_assign": open_task and (operator or Role.PROVIDER_MANAGER in roles),
        "can_set_priority": open_task and (operator or bool(roles & _CLIENT_SIDE)),
    }


_REVIEW_MOVES = frozenset({TaskStatus.ACCEPTED, TaskStatus.REWORK_REQUESTED})

_FORM_ABILITIES = (
    ("deliverable_form", "can_deliver"),
    ("review_form", "can_review"),
    ("assign_form", "can_assign"),
    ("priority_form", "can_set_priority"),
)


def _render_task(request, task, *, status=200, transition_error="", **forms):
    now = timezone.now()
    abilities = _task_abilities(request, task)
    events = list(task.events.select_related("actor").order_by("occurred_at", "id"))
    timelines = task_clock_timelines(task, events, now=now)
    provider_tz = task.engagement.provider.time_zone
    context = {
        "task": task,
        "provider_tz": provider_tz,
        "transition_error": transition_error,
        "clocks": task_clock_views(task, now=now),
        "chart": clock_chart(timelines, events, now=now),
        "events": events,
        "deliverables": task.deliverables.select_related("uploaded_by"),
        "comments": task.comments.select_related("author").order_by("created_at"),
        "reviews": task.reviews.select_related("reviewer").prefetch_related("defects"),
        # The review form is the way to accept or ask for rework (it records the score and the findings),
        # so those two moves are not offered as bare status buttons beside it.
        "next_statuses": [
            move for move in abilities["moves"] if not (abilities["can_review"] and move in _REVIEW_MOVES)
        ],
        "is_closed": not TASK_TRANSITIONS.get(task.status),
        "transition_form": forms.get("transition_form")
        or TaskTransitionForm(initial={"version": task.version}),
        "comment_form": CommentForm(),
        "accepted_types": ACCEPTED_TYPES_TEXT,
        **abilities,
    }
    # A refused action whose form this person is not offered (e.g. a forged post) still gets its reason.
    context["action_errors"] = [
        error
        for name, ability in _FORM_ABILITIES
        if forms.get(name) is not None and not abilities[ability]
        for errors in forms[name].errors.values()
        for error in errors
    ]
    if abilities["can_deliver"]:
        context["deliverable_form"] = forms.get("deliverable_form") or DeliverableForm()
    if abilities["can_review"]:
        context["review_form"] = forms.get("review_form") or ReviewForm(initial={"version": task.version})
    if abilities["can_assign"]:
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            initial={"assignee": task.assignee_id, "version": task.version},
            team_members=_team_members(task),
        )
    if abilities["can_set_priority"]:
        context["priority_form"] = forms.get("priority_form") or PriorityForm(
            initial={"priority": task.priority, "version": task.version}
        )
    return render(request, "engagements/task_detail.html", context, status=status)


def _team_members(task):
    """Who the task may be assigned to: active members of the engagement's provider (and whoever has it)."""
    members = TeamMember.objects.filter(provider_id=task.engagement.provider_id)
    if task.assignee_id:
        return members.filter(is_active=True) | members.filter(pk=task.assignee_id)
    return members.filter(is_active=True)


@login_required
@require_POST
def task_transition_view(request, pk: int):
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    form = TaskTransitionForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, status=400, transition_form=form)
    try:
        task_transition(
            task=task,
            to=form.cleaned_data["to"],
            actor=request.user,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        task = _task_queryset(request.user).get(pk=task.pk)
        # A fresh form carries the current version, so the retry after reading the message works.
        fresh = TaskTransitionForm(initial={"version": task.version})
        return _render_task(
            request, task, status=error.status_code, transition_error=error.message, transition_form=fresh
        )
    messages.success(request, _("Task moved to “%(status)s”.") % {"status": TaskStatus(task.status).label})
    return redirect(task)


def _refused(request, task, error: ApplicationError, form, form_name: str):
    """Re-render the page with the service's reason on the form the person used (nothing was written)."""
    task = _task_queryset(request.user).get(pk=task.pk)
    if isinstance(error, StaleVersion):
        message = _(
            "This task changed since you loaded it (it is now version %(version)s); nothing was saved. "
            "The page shows it as it is now: check and try again."
        ) % {"version": task.version}
        data = form.data.copy()
        data["version"] = task.version
        form = type(form)(data, **_form_kwargs(form, task))
        form.is_valid()
    else:
        message = error.message
    form.add_error(None, message)
    return _render_task(request, task, status=error.status_code, **{form_name: form})


def _form_kwargs(form, task) -> dict:
    kwargs = {}
    if isinstance(form, AssignForm):
        kwargs["team_members"] = _team_members(task)
    if isinstance(form, DeliverableForm):
        kwargs["files"] = form.files
    return kwargs


@login_required
@require_POST
def deliverable_upload(request, pk: int):
    """Attach a file or a link; `deliverable_add` checks who, when, size and type (by content)."""
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    form = DeliverableForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_task(request, task, status=400, deliverable_form=form)
    try:
        deliverable = deliverable_add(
            task=task,
            actor=request.user,
            file=form.cleaned_data.get("file"),
            url=form.cleaned_data.get("url") or "",
        )
    except ApplicationError as error:
        form.add_error("file" if form.cleaned_data.get("file") else "url", error.message)
        return _render_task(request, task, status=error.status_code, deliverable_form=form)
    messages.success(request, _("Added “%(name)s” to the delivery.") % {"name": deliverable})
    return redirect(task)


@login_required
@require_GET
def deliverable_download(request, pk: int, deliverable_pk: int):
    """The stored file, as an attachment under its original name, to those who may see the task only."""
    deliverable = get_object_or_404(
        deliverables_visible_to(request.user).exclude(file=""), pk=deliverable_pk, task_id=pk
    )
    try:
        handle = deliverable.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is no longer stored.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=deliverable.original_name or deliverable.file.name.rsplit("/", 1)[-1],
        content_type=deliverable.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def task_review(request, pk: int):
    """The client SME's review: accept, or request rework; the review and the move are one transaction."""
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, status=400, review_form=form)
    try:
        review = review_submit(
            task=task,
            reviewer=request.user,
            accuracy_score=form.cleaned_data["accuracy_score"],
            outcome=form.cleaned_data["outcome"],
            version=form.cleaned_data["version"],
            findings=form.cleaned_data["findings"],
            defects=form.cleaned_data["defects"],
        )
    except ApplicationError as error:
        return _refused(request, task, error, form, "review_form")
    messages.success(
        request,
        _("Review recorded (%(outcome)s); the task is now “%(status)s”.")
        % {"outcome": review.get_outcome_display(), "status": TaskStatus(task.status).label},
    )
    return redirect(task)


@login_required
@require_POST
def task_assign_view(request, pk: int):
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    form = AssignForm(request.POST, team_members=_team_members(task))
    if not form.is_valid():
        return _render_task(request, task, status=400, assign_form=form)
    try:
        task_assign(
            task=task,
            assignee=form.cleaned_data["assignee"],
            actor=request.user,
            version=form.cleaned_data["version"],
        )
    except ApplicationError as error:
        return _refused(request, task, error, form, "assign_form")
    assignee = form.cleaned_data["assignee"]
    messages.success(
        request,
        _("Assigned to %(name)s.") % {"name": assignee.full_name}
        if assignee
        else _("The task is now unassigned."),
    )
    return redirect(task)


@login_required
@require_POST
def task_priority_view(request, pk: int):
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, status=400, priority_form=form)
    try:
        task_set_priority(
            task=task,
            priority=form.cleaned_data["priority"],
            actor=request.user,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        return _refused(request, task, error, form, "priority_form")
    messages.success(request, _("Priority set to %(priority)s.") % {"priority": task.get_priority_display()})
    return redirect(task)
