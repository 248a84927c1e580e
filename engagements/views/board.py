"""The task board: tasks in columns by status, the "n more" column pages, a card's move and the bulk move.

Every task is reached through `tasks_visible_to`, so another tenant's id is a 404. Moves go through
`task_transition`, whose ApplicationError messages are shown inline on the card (htmx) or as a message.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kpo.core.exceptions import ApplicationError, StaleVersion
from kpo.core.querystrings import without_blank_fields
from sla.choices import ClockKind, ClockState
from sla.selectors import headline_clocks

from ..choices import CLOSED_TASK_STATUSES, TaskStatus
from ..filters import TaskFilter
from ..forms import BoardMoveForm, BulkMoveForm
from ..selectors import (
    board_columns,
    board_count,
    board_statuses_for,
    engagement_roles_by_id,
    task_moves_given_roles,
    tasks_visible_to,
)
from ..services import task_transition
from .task import _task_queryset

# A column shows this many cards, then "n more"; counting stops at the cap ("1000+"), so a provider
# with a million tasks costs the board a bounded scan per column, not a count of the whole book.
CARDS_PER_COLUMN = 20
# Closed work is history: its column starts short so the open columns stay in view.
CARDS_PER_CLOSED_COLUMN = 5
COUNT_CAP = 1000


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
    filterset = TaskFilter(
        without_blank_fields(data), queryset=tasks_visible_to(request.user), request=request
    )
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
        card.board_no_rework_target = False
        if (
            card.status == TaskStatus.REWORK_REQUESTED
            and card.board_clock is not None
            and card.board_clock.kind != ClockKind.REWORK
            and card.board_clock.state == ClockState.MET
        ):
            # The SLA sets no rework target: the finished clock's green "Met" would read as done.
            card.board_clock = None
            card.board_no_rework_target = True
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
    pages = [
        (
            status,
            offset,
            CARDS_PER_COLUMN if single or status not in CLOSED_TASK_STATUSES else CARDS_PER_CLOSED_COLUMN,
        )
        for status in statuses
    ]
    columns = [
        Column(TaskStatus(status), cards, count, offset)
        for (status, offset, _limit), (cards, count) in zip(
            pages, board_columns(tasks, pages, cap=COUNT_CAP), strict=True
        )
    ]
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
    [(cards, count)] = board_columns(tasks, [(status, offset, CARDS_PER_COLUMN)], cap=COUNT_CAP)
    _decorate_cards(request.user, cards)
    column = Column(TaskStatus(status), cards, count, offset)
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
    # The column the card sat in on the person's (possibly out-of-date) board.
    shown_in = request.POST.get("column")
    shown_in = shown_in if shown_in in TaskStatus.values else previous
    # A stale card whose task changed column behind the person's back goes to its real column, and
    # both columns' counts are redrawn.
    relocated = stale and fresh.status != shown_in
    context = {
        "task": fresh,
        "card_error": error,
        "card_stale": stale,
        "moved": moved,
        "previous": TaskStatus(previous),
        "to_column": (moved or relocated) and fresh.status in on_board and request.POST.get("single") != "1",
        "board_url": board_url,
        "single_column": request.POST.get("single") == "1",
        "announcement": error
        or _("“%(title)s” moved to “%(status)s”.")
        % {"title": fresh.title, "status": fresh.get_status_display()},
    }
    if moved or relocated:
        tasks = tasks_visible_to(request.user)
        context["counts"] = [
            (TaskStatus(s), board_count(tasks, status=s, cap=COUNT_CAP), COUNT_CAP)
            for s in dict.fromkeys((shown_in if relocated else previous, fresh.status))
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
