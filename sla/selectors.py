"""SLA reads a page shows, scoped through the engagement and task selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from engagements.models import Engagement, Task

from .choices import ClockKind, ClockState, Kpi, PeriodKind
from .models import ClockRecomputeJob, KpiSnapshot, TaskClock

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


def latest_clock_job(engagement: Engagement) -> ClockRecomputeJob | None:
    return ClockRecomputeJob.objects.filter(engagement=engagement).order_by("-created_at").first()


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
