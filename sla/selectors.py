"""SLA reads a page shows, scoped through the engagement and task selectors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from engagements.models import Engagement, Task
from kpo.core.prepared import PreparedRead

from .choices import ClockKind, ClockState, Kpi, PeriodKind
from .models import ClockRecomputeJob, KpiSnapshot, SLATarget, TaskClock

CLOCK_ORDER = {ClockKind.RESPONSE: 0, ClockKind.RESOLUTION: 1, ClockKind.REWORK: 2}


@dataclass(frozen=True)
class ClockView:
    """A clock as a person reads it: live elapsed time in business hours and what is left."""

    kind: str
    kind_label: str
    state: str
    state_label: str
    elapsed_seconds: int
    target_seconds: int | None
    paused_seconds: int
    due_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None

    @property
    def used_percent(self) -> int | None:
        if not self.target_seconds:
            return None
        return min(999, round(100 * self.elapsed_seconds / self.target_seconds))

    @property
    def remaining_seconds(self) -> int | None:
        if self.target_seconds is None:
            return None
        return self.target_seconds - self.elapsed_seconds


def with_clocks(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks with their clocks in one extra query (for lists)."""
    return tasks.prefetch_related(Prefetch("clocks", queryset=TaskClock.objects.order_by("kind")))


class RowClock(NamedTuple):
    """What a task row's clock badge reads (kpo_ui.task_rows), as plain values: a row needs no model."""

    kind: str
    state: str
    due_at: datetime | None


def attach_row_clocks(tasks: Iterable[Task]) -> list[Task]:
    """The tasks, each with `row_clocks` (its clocks as RowClock values, by kind), read in one query.

    Plain values instead of a prefetch: the related-manager machinery (a filtered queryset per task, a
    model instance per clock) cost a 20-row page about as much Python as the rest of its reads."""
    tasks = list(tasks)
    by_task: dict[int, list[RowClock]] = {task.pk: [] for task in tasks}
    if by_task:
        rows = (
            TaskClock.objects.filter(task_id__in=list(by_task))
            .order_by("task_id", "kind")
            .values_list("task_id", "kind", "state", "due_at")
        )
        for task_id, kind, state, due_at in rows:
            by_task[task_id].append(RowClock(kind, state, due_at))
    for task in tasks:
        task.row_clocks = by_task[task.pk]
    return tasks


def task_clock_views(task: Task, *, now: datetime | None = None) -> list[ClockView]:
    """The task's measured clocks with live elapsed time (the open running segment counted to now)."""
    now = now or timezone.now()
    clocks = sorted(
        (c for c in task.clocks.all() if c.state != ClockState.NOT_APPLICABLE),
        key=lambda c: CLOCK_ORDER.get(c.kind, 9),
    )
    schedule = None
    views = []
    for clock in clocks:
        elapsed = clock.elapsed_seconds
        if clock.segment_started_at is not None and clock.due_at is not None and clock.sla_id:
            if schedule is None:
                schedule = task.sla.calendar.schedule() if task.sla_id else None
            if schedule is not None:
                elapsed += schedule.between(clock.segment_started_at, max(now, clock.segment_started_at))
        views.append(
            ClockView(
                kind=clock.kind,
                kind_label=ClockKind(clock.kind).label,
                state=clock.state,
                state_label=ClockState(clock.state).label,
                elapsed_seconds=elapsed,
                target_seconds=clock.target_seconds,
                paused_seconds=clock.paused_seconds,
                due_at=clock.due_at,
                started_at=clock.started_at,
                stopped_at=clock.stopped_at,
            )
        )
    return views


# The months of KPI figures an engagement page charts.
CHART_MONTHS = 12
# What the chart and the "on-time delivery" tile read of each monthly snapshot.
CHART_SNAPSHOT_VALUES = ("kpi", "period_start", "value", "target")

_MONTHLY_SNAPSHOTS = PreparedRead(
    lambda engagement_id: (
        KpiSnapshot.objects.filter(engagement_id=engagement_id, period_kind=PeriodKind.MONTH)
        .order_by("-period_start", "kpi")
        .values(*CHART_SNAPSHOT_VALUES)[: CHART_MONTHS * len(Kpi)]
    ),
    engagement_id=int,
)
_SLA_TARGETS = PreparedRead(
    lambda sla_id: (
        SLATarget.objects.filter(sla_id=sla_id)
        .order_by("priority")
        .values("priority", "response_seconds", "resolution_seconds")
    ),
    sla_id=int,
)


def monthly_kpi_rows(engagement: Engagement) -> list[dict]:
    """The engagement's monthly KPI snapshots of the last CHART_MONTHS months, newest first, as rows of
    CHART_SNAPSHOT_VALUES. The engagement is one the caller read through `engagements_visible_to`."""
    return _MONTHLY_SNAPSHOTS(engagement_id=engagement.pk)


def sla_target_rows(engagement: Engagement) -> list[dict]:
    """The response and resolution budgets of the engagement's SLA by priority (none without an SLA)."""
    return _SLA_TARGETS(sla_id=engagement.sla_id) if engagement.sla_id else []


_CLOCK_JOB_FIELDS = tuple(field.attname for field in ClockRecomputeJob._meta.concrete_fields)
_LATEST_CLOCK_JOB = PreparedRead(
    lambda engagement_id: (
        ClockRecomputeJob.objects.filter(engagement_id=engagement_id)
        .order_by("-created_at", "-id")
        .values(*_CLOCK_JOB_FIELDS)[:1]
    ),
    engagement_id=int,
)


def latest_clock_job(engagement: Engagement) -> ClockRecomputeJob | None:
    """The engagement's latest clock recomputation (its progress panel), if it ever had one."""
    rows = _LATEST_CLOCK_JOB(engagement_id=engagement.pk)
    if not rows:
        return None
    return ClockRecomputeJob.from_db(DEFAULT_DB_ALIAS, _CLOCK_JOB_FIELDS, list(rows[0].values()))


def engagement_kpi_months(engagement: Engagement, *, months: int = 3) -> list[dict]:
    """The latest monthly KPI snapshots, newest month first: [{"period_start", "snapshots": [...]}]."""
    snapshots = list(
        KpiSnapshot.objects.filter(engagement=engagement, period_kind=PeriodKind.MONTH).order_by(
            "-period_start", "kpi"
        )
    )
    by_month: dict = {}
    for snapshot in snapshots:
        if snapshot.period_start not in by_month and len(by_month) >= months:
            break
        by_month.setdefault(snapshot.period_start, []).append(snapshot)
    order = {kpi: i for i, kpi in enumerate(Kpi.values)}
    return [
        {"period_start": start, "snapshots": sorted(rows, key=lambda s: order.get(s.kpi, 99))}
        for start, rows in by_month.items()
    ]


# --- clocks on board cards and the task timeline (appended for the board and task pages) -------------

_HEADLINE_PREFERENCE = {ClockKind.REWORK: 0, ClockKind.RESOLUTION: 1, ClockKind.RESPONSE: 2}


def _schedules_for_slas(sla_ids) -> dict[int, object]:
    """Each SLA's calendar as a Schedule, in three queries whatever the number of SLAs."""
    from .models import SLA

    sla_ids = {i for i in sla_ids if i}
    if not sla_ids:
        return {}
    slas = (
        SLA.objects.filter(pk__in=sla_ids)
        .select_related("calendar")
        .prefetch_related("calendar__intervals", "calendar__exceptions")
    )
    return {sla.pk: sla.calendar.schedule() for sla in slas}


def _clock_view(clock: TaskClock, schedule, now: datetime) -> ClockView:
    elapsed = clock.elapsed_seconds
    if clock.segment_started_at is not None and clock.due_at is not None and schedule is not None:
        elapsed += schedule.between(clock.segment_started_at, max(now, clock.segment_started_at))
    return ClockView(
        kind=clock.kind,
        kind_label=ClockKind(clock.kind).label,
        state=clock.state,
        state_label=ClockState(clock.state).label,
        elapsed_seconds=elapsed,
        target_seconds=clock.target_seconds,
        paused_seconds=clock.paused_seconds,
        due_at=clock.due_at,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
    )


def headline_clock(views: list[ClockView]) -> ClockView | None:
    """The one clock a card shows: the ticking clock with the least time left, else a breached one,
    else the rework or resolution clock."""
    if not views:
        return None
    ticking = [v for v in views if v.state in (ClockState.RUNNING, ClockState.AT_RISK)]
    if ticking:
        return min(ticking, key=lambda v: v.remaining_seconds if v.remaining_seconds is not None else 1 << 62)
    breached = [v for v in views if v.state == ClockState.BREACHED]
    pool = breached or views
    return min(pool, key=lambda v: _HEADLINE_PREFERENCE.get(v.kind, 9))


def headline_clocks(tasks, *, now: datetime | None = None) -> dict[int, ClockView]:
    """{task id: the clock its card shows} for a list of tasks already scoped by the task selectors.

    Constant query count: one for the clocks, three for the calendars of the SLAs with a running clock."""
    now = now or timezone.now()
    tasks = list(tasks)
    if not tasks:
        return {}
    sla_by_task = {t.pk: t.sla_id for t in tasks}
    clocks = list(
        TaskClock.objects.filter(task_id__in=list(sla_by_task)).exclude(state=ClockState.NOT_APPLICABLE)
    )
    schedules = _schedules_for_slas(
        sla_by_task[c.task_id] for c in clocks if c.segment_started_at is not None and c.due_at is not None
    )
    views: dict[int, list[ClockView]] = {}
    for clock in clocks:
        schedule = schedules.get(sla_by_task.get(clock.task_id))
        views.setdefault(clock.task_id, []).append(_clock_view(clock, schedule, now))
    return {task_id: headline_clock(task_views) for task_id, task_views in views.items()}


@dataclass(frozen=True)
class ClockSegment:
    """A stretch of wall time during which a clock ran or was paused, with its business seconds."""

    start: datetime
    end: datetime
    state: str  # "running" or "paused"
    business_seconds: int
    open: bool  # still going on now


@dataclass(frozen=True)
class ClockTimeline:
    """One clock drawn across a task's history: its running and paused segments and its budget."""

    kind: str
    kind_label: str
    state: str
    state_label: str
    target_seconds: int | None
    elapsed_seconds: int
    paused_seconds: int
    started_at: datetime | None
    stopped_at: datetime | None
    segments: tuple[ClockSegment, ...]


def task_clock_timelines(task: Task, events, *, now: datetime | None = None) -> list[ClockTimeline]:
    """The task's measured clocks with their segments, from its status events (the same span rules as
    `sla.clocks.compute_clocks`) and the stored clock rows (state, budget). `events` are the task's
    TaskEvents in time order (any kind; only status events count). Empty when no SLA measures the task."""
    from .clocks import DELIVERED, IN_PROGRESS, ON_HOLD, READY, REWORK_REQUESTED, StatusEvent, _span

    if not task.sla_id:
        return []
    now = now or timezone.now()
    stored = {c.kind: c for c in task.clocks.all() if c.state != ClockState.NOT_APPLICABLE}
    if not stored:
        return []
    schedule = task.sla.calendar.schedule()
    status_events = [StatusEvent(e.occurred_at, e.to_status) for e in events if e.kind == "status"]
    spans = {
        ClockKind.RESPONSE: _span(status_events, start_on={READY}, stop_on={IN_PROGRESS}, pause_on=set()),
        ClockKind.RESOLUTION: _span(status_events, start_on={READY}, stop_on={DELIVERED}, pause_on={ON_HOLD}),
    }
    last_rework = max(
        (i for i, e in enumerate(status_events) if e.to_status == REWORK_REQUESTED), default=None
    )
    if last_rework is not None:
        spans[ClockKind.REWORK] = _span(
            status_events,
            start_on={REWORK_REQUESTED},
            stop_on={DELIVERED},
            pause_on={ON_HOLD},
            from_index=last_rework,
        )
    timelines = []
    for kind in sorted(stored, key=lambda k: CLOCK_ORDER.get(k, 9)):
        span = spans.get(kind)
        if span is None or span.started_at is None:
            continue
        segments = []
        for state, pieces in (("running", span.running), ("paused", span.paused)):
            for start, end in pieces:
                stop = end or max(now, start)
                segments.append(
                    ClockSegment(start, stop, state, schedule.between(start, stop), open=end is None)
                )
        segments.sort(key=lambda s: s.start)
        view = _clock_view(stored[kind], schedule, now)
        timelines.append(
            ClockTimeline(
                kind=kind,
                kind_label=view.kind_label,
                state=view.state,
                state_label=view.state_label,
                target_seconds=view.target_seconds,
                elapsed_seconds=view.elapsed_seconds,
                paused_seconds=sum(s.business_seconds for s in segments if s.state == "paused"),
                started_at=span.started_at,
                stopped_at=span.stopped_at,
                segments=tuple(segments),
            )
        )
    return timelines
