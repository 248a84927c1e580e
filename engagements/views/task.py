"""Task pages: the board and the task detail. Thin: parse, call a service or a selector, render.

Every task is reached through `tasks_visible_to`, so another tenant's id is a 404. Writes go through the
services (`task_transition`, `task_assign`, `task_set_priority`, `review_submit`, `deliverable_add`), whose
ApplicationError messages are shown where the person acted: inline on the card, or on the form.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator
from kpo.core.exceptions import ApplicationError, StaleVersion
from providers.models import TeamMember
from sla.selectors import headline_clocks, task_clock_timelines, task_clock_views

from ..choices import CLOSED_TASK_STATUSES, TASK_TRANSITIONS, TaskStatus
from ..filters import TaskFilter
from ..forms import (
    AssignForm,
    BoardMoveForm,
    BulkMoveForm,
    CommentForm,
    DeliverableForm,
    PriorityForm,
    ReviewForm,
    TaskTransitionForm,
)
from ..selectors import (
    board_cards,
    board_count,
    board_statuses_for,
    deliverables_visible_to,
    engagement_roles,
    engagement_roles_by_id,
    task_moves_given_roles,
    tasks_visible_to,
)
from ..services import (
    deliverable_add,
    review_submit,
    task_assign,
    task_set_priority,
    task_transition,
    task_transitions_available,
)
from ..services.deliverable import ACCEPTED_TYPES_TEXT, DELIVERABLE_STATUSES

# A column shows this many cards, then "n more"; counting stops at the cap ("1000+"), so a provider
# with a million tasks costs the board a bounded scan per column, not a count of the whole book.
CARDS_PER_COLUMN = 20
# Closed work is history: its column starts short so the open columns stay in view.
CARDS_PER_CLOSED_COLUMN = 5
COUNT_CAP = 1000

_CLIENT_SIDE = frozenset({Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE})


def _task_queryset(user):
    return tasks_visible_to(user).select_related(
        "engagement__client", "engagement__provider", "assignee", "sla__calendar"
    )


# --- the board ----------------------------------------------------------------------------------------


@dataclass
class Column:
    status: TaskStatus
    cards: list
    count: int
    offset: int

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP

    @property
    def more(self) -> int:
        return max(0, self.count - self.offset - len(self.cards))

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.cards)

    @property
    def prev_offset(self) -> int:
        return max(0, self.offset - CARDS_PER_COLUMN)


def _board_filter(request, data: QueryDict) -> TaskFilter:
    """The board's TaskFilter, its choices scoped to the user (and labelled without extra queries)."""
    filterset = TaskFilter(data, queryset=tasks_visible_to(request.user), request=request)
    assignee = filterset.form.fields["assignee"]
    assignee.queryset = assignee.queryset.select_related("provider").order_by("full_name")
    assignee.label_from_instance = lambda member: member.full_name
    engagement = filterset.form.fields["engagement"]
    engagement.queryset = engagement.queryset.order_by("title")
    return filterset


def _filter_querystring(data: QueryDict) -> str:
    """The filter part of a board query string (without paging), to carry into links and forms."""
    kept = QueryDict(mutable=True)
    for key in ("engagement", "status", "priority", "assignee", "q"):
        values = [v for v in data.getlist(key) if v]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def _decorate_cards(user, cards: list) -> None:
    """Attach each card's clock and the moves this user may make, in a constant number of queries."""
    clocks = headline_clocks(cards)
    roles = engagement_roles_by_id(user, [card.engagement for card in cards])
    for card in cards:
        card.board_clock = clocks.get(card.pk)
        remaining = card.board_clock.remaining_seconds if card.board_clock else None
        card.board_over = -remaining if remaining is not None and remaining < 0 else 0
        card.board_moves = [
            TaskStatus(s) for s in task_moves_given_roles(user, card, roles[card.engagement_id])
        ]


def _board_columns(request, filterset: TaskFilter) -> tuple[list[Column], bool]:
    """The columns to draw, and whether the board shows one column only (a status filter, or paging)."""
    tasks = filterset.qs
    statuses = list(board_statuses_for(request.user))
    wanted = filterset.form.cleaned_data.get("status") or []
    single = False
    if wanted:
        statuses = [s for s in TaskStatus.values if s in wanted]
        single = len(statuses) == 1
    column = request.GET.get("column")
    offset = 0
    if column in TaskStatus.values:
        statuses, single = [column], True
        offset = _offset(request.GET.get("offset"))
    columns = []
    for status in statuses:
        limit = CARDS_PER_COLUMN if single or status not in CLOSED_TASK_STATUSES else CARDS_PER_CLOSED_COLUMN
        cards = board_cards(tasks, status=status, offset=offset, limit=limit)
        columns.append(
            Column(TaskStatus(status), cards, board_count(tasks, status=status, cap=COUNT_CAP), offset)
        )
    _decorate_cards(request.user, [card for col in columns for card in col.cards])
    return columns, single


def _offset(raw) -> int:
    try:
        return max(0, min(int(raw or 0), COUNT_CAP))
    except (TypeError, ValueError):
        return 0


def _board_context(request, *, bulk=None, bulk_form=None) -> dict:
    filterset = _board_filter(request, request.GET)
    if filterset.is_valid():
        columns, single = _board_columns(request, filterset)
    else:
        columns, single = [], False
    bulk_moves = sorted(
        {move for col in columns for card in col.cards for move in card.board_moves},
        key=TaskStatus.values.index,
    )
    querystring = _filter_querystring(request.GET)
    return {
        "filter": filterset,
        "columns": columns,
        "single_column": single,
        "querystring": querystring,
        "board_url": reverse("engagements:board") + (f"?{querystring}" if querystring else ""),
        "bulk_moves": [TaskStatus(s) for s in bulk_moves],
        "bulk": bulk,
        "bulk_form": bulk_form,
        "cards_per_column": CARDS_PER_COLUMN,
        "filtered": bool(querystring),
    }


@login_required
@require_GET
def board(request):
    """Tasks in columns by status, filtered by engagement, assignee, priority, status and words."""
    context = _board_context(request)
    status = 200 if context["filter"].is_valid() else 400
    return render(request, "engagements/board.html", context, status=status)


@login_required
@require_GET
def board_column_more(request, status: str):
    """The next cards of one column (the htmx "n more" link): cards plus a new "more" link."""
    if status not in TaskStatus.values:
        raise Http404
    filterset = _board_filter(request, request.GET)
    if not filterset.is_valid():
        return render(request, "engagements/_board_more_error.html", {"filter": filterset}, status=400)
    offset = _offset(request.GET.get("offset"))
    tasks = filterset.qs
    cards = board_cards(tasks, status=status, offset=offset, limit=CARDS_PER_COLUMN)
    _decorate_cards(request.user, cards)
    column = Column(TaskStatus(status), cards, board_count(tasks, status=status, cap=COUNT_CAP), offset)
    context = {
        "column": column,
        "querystring": _filter_querystring(request.GET),
        "board_url": reverse("engagements:board"),
        "single_column": request.GET.get("single") == "1",
    }
    return render(request, "engagements/_board_more.html", context)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _reload_card(user, pk: int):
    """The card's task read again through the selector (what the board shows now)."""
    task = _task_queryset(user).filter(pk=pk).first()
    if task is not None:
        _decorate_cards(user, [task])
    return task


@login_required
@require_POST
def task_move(request, pk: int):
    """A card's status change. htmx: the card moves to its new column (or re-renders in place with the
    reason when refused); without JavaScript: back to the board with a message."""
    task = get_object_or_404(_task_queryset(request.user), pk=pk)
    board_url = _safe_next(request, reverse("engagements:board"))
    form = BoardMoveForm(request.POST)
    error, status_code, stale = "", 200, False
    previous = task.status
    if not form.is_valid():
        error, status_code = _("Choose one of the statuses offered on the card."), 400
    else:
        try:
            task_transition(
                task=task,
                to=form.cleaned_data["to"],
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            stale, status_code = True, StaleVersion.status_code
        except ApplicationError as refused:
            error, status_code = refused.message, refused.status_code
    # Read the task again: the clock recompute ran on commit (eagerly in development and tests).
    fresh = _reload_card(request.user, pk)
    if fresh is None:  # e.g. a cancelled draft is no longer visible to whoever could see it
        raise Http404
    if error and form.is_valid() and form.cleaned_data["version"] != fresh.version:
        # Refused from an out-of-date card (e.g. the move is no longer legal because someone else moved
        # the task): the useful explanation is the change the person has not seen yet.
        stale, status_code = True, StaleVersion.status_code
    if stale:
        error = _(
            "Someone else changed this task while your board was open: it is now “%(status)s” "
            "(version %(version)s). The card has been reloaded and nothing was changed; choose again."
        ) % {"status": fresh.get_status_display(), "version": fresh.version}
    if not request.htmx:
        if error:
            messages.error(request, _("%(title)s: %(error)s") % {"title": fresh.title, "error": error})
        else:
            messages.success(
                request,
                _("“%(title)s” moved to “%(status)s”.")
                % {"title": fresh.title, "status": fresh.get_status_display()},
            )
        return redirect(board_url)
    on_board = set(board_statuses_for(request.user))
    moved = not error and fresh.status != previous
    context = {
        "task": fresh,
        "card_error": error,
        "card_stale": stale,
        "moved": moved,
        "previous": TaskStatus(previous),
        "to_column": moved and fresh.status in on_board and request.POST.get("single") != "1",
        "board_url": board_url,
        "single_column": request.POST.get("single") == "1",
        "announcement": error
        or _("“%(title)s” moved to “%(status)s”.")
        % {"title": fresh.title, "status": fresh.get_status_display()},
    }
    if moved:
        tasks = tasks_visible_to(request.user)
        context["counts"] = [
            (TaskStatus(s), board_count(tasks, status=s, cap=COUNT_CAP), COUNT_CAP)
            for s in (previous, fresh.status)
            if s in on_board
        ]
    return render(request, "engagements/_board_move.html", context, status=status_code)


@dataclass
class BulkOutcome:
    task_id: int
    title: str
    ok: bool
    message: str
    url: str = ""


@login_required
@require_POST
def board_bulk(request):
    """Move the selected cards to one status: each through the service in its own transaction; the page
    reports every task's outcome (moved, or why not)."""
    form = BulkMoveForm(request.POST)
    outcomes: list[BulkOutcome] = []
    if form.is_valid():
        to = form.cleaned_data["to"]
        selected = form.cleaned_data["selected"]
        found = {t.pk: t for t in _task_queryset(request.user).filter(pk__in=list(selected))}
        for task_id, version in selected.items():
            task = found.get(task_id)
            if task is None:
                outcomes.append(
                    BulkOutcome(task_id, f"#{task_id}", False, _("No such task, or you may not see it."))
                )
                continue
            try:
                task_transition(task=task, to=to, actor=request.user, version=version)
            except StaleVersion:
                outcomes.append(
                    BulkOutcome(
                        task.pk,
                        task.title,
                        False,
                        _(
                            "Changed by someone else since the board loaded; nothing was done. Check it and retry."
                        ),
                        task.get_absolute_url(),
                    )
                )
            except ApplicationError as refused:
                outcomes.append(
                    BulkOutcome(task.pk, task.title, False, refused.message, task.get_absolute_url())
                )
            else:
                outcomes.append(
                    BulkOutcome(
                        task.pk,
                        task.title,
                        True,
                        _("Moved to “%(status)s”.") % {"status": TaskStatus(to).label},
                        task.get_absolute_url(),
                    )
                )
    bulk = {
        "outcomes": outcomes,
        "moved": sum(1 for o in outcomes if o.ok),
        "failed": sum(1 for o in outcomes if not o.ok),
        "errors": form.non_field_errors() if form.errors else [],
        "field_errors": [e for name, errs in form.errors.items() if name != "__all__" for e in errs],
    }
    context = _board_context(request, bulk=bulk, bulk_form=form)
    status = 400 if form.errors else 200
    if request.htmx:
        return render(request, "engagements/_board_body.html", context, status=status)
    return render(request, "engagements/board.html", context, status=status)


# --- the task detail page -------------------------------------------------------------------------


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
        "chart": _clock_chart(timelines, events, now=now),
        "events": events,
        "deliverables": task.deliverables.select_related("uploaded_by"),
        "comments": task.comments.select_related("author").order_by("created_at"),
        "reviews": task.reviews.select_related("reviewer").prefetch_related("defects"),
        "next_statuses": abilities["moves"],
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


# --- the SLA clock drawn across the history (inline SVG geometry) ------------------------------------

CHART_WIDTH = 760
CHART_LABEL = 150  # the left column with the clock names
CHART_RIGHT = 12
CHART_TOP = 34
CHART_ROW = 50


def _clock_chart(timelines, events, *, now: datetime) -> dict | None:
    """Where to draw each clock's running and paused segments on a wall-time axis from the task's first
    event to now (or its last event when closed), with a business-time gauge of elapsed against budget."""
    if not timelines or not events:
        return None
    start = events[0].occurred_at
    last = events[-1].occurred_at
    closed = all(t.stopped_at is not None for t in timelines)
    end = last if closed else max(now, last)
    if end <= start:
        end = start + timedelta(hours=1)
    span = (end - start).total_seconds()
    track = CHART_WIDTH - CHART_LABEL - CHART_RIGHT

    def x(instant) -> float:
        return round(CHART_LABEL + track * (instant - start).total_seconds() / span, 1)

    rows = []
    for i, timeline in enumerate(timelines):
        y = CHART_TOP + i * CHART_ROW
        segments = []
        for segment in timeline.segments:
            x0, x1 = x(segment.start), x(segment.end)
            segments.append(
                {
                    "x": x0,
                    "width": max(1.5, round(x1 - x0, 1)),
                    "state": segment.state,
                    "open": segment.open,
                    "start": segment.start,
                    "end": segment.end,
                    "business_seconds": segment.business_seconds,
                }
            )
        budget = timeline.target_seconds or 0
        scale = max(budget, timeline.elapsed_seconds, 1)
        used_width = round(track * min(timeline.elapsed_seconds, budget or scale) / scale, 1)
        over_width = round(track * max(0, timeline.elapsed_seconds - budget) / scale, 1) if budget else 0
        rows.append(
            {
                "timeline": timeline,
                "y": y,
                "bar_y": y + 4,
                "gauge_y": y + 26,
                "text_y": y + 16,
                "sub_y": y + 32,
                "segments": segments,
                "used_width": used_width,
                "over_x": round(CHART_LABEL + used_width, 1),
                "over_width": over_width,
                "budget_x": round(CHART_LABEL + track * budget / scale, 1) if budget else None,
                "used_percent": round(100 * timeline.elapsed_seconds / budget) if budget else None,
            }
        )
    ticks = [
        {"x": x(event.occurred_at), "event": event}
        for event in events
        if event.kind == "status" and start <= event.occurred_at <= end
    ]
    height = CHART_TOP + len(rows) * CHART_ROW + 8
    return {
        "width": CHART_WIDTH,
        "height": height,
        "label_width": CHART_LABEL,
        "track_width": track,
        "track_end": CHART_LABEL + track,
        "rows": rows,
        "ticks": ticks,
        "tick_bottom": height - 8,
        "start": start,
        "end": end,
        "now_x": x(now) if not closed and start <= now <= end else None,
    }
