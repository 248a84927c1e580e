"""CSV exports of an engagement's SLA figures, for compliance: KPI snapshots and per-task clocks.

The writers (`kpi_snapshot_csv`, `task_clock_csv`) are pure: they turn rows into CSV lines, one string at
a time, so a view can stream them. The querysets they read are built here too, always starting from the
permission-scoped selectors, with the related rows joined in, so an export runs a constant number of
queries whatever its size.

Conventions of the files: instants in ISO 8601 UTC ("2026-06-01T07:00:00Z"); `period_end` is the first
day of the next period (exclusive), as stored; empty cells for missing values (a no_data KPI has no
value); free text that a spreadsheet would run as a formula (starting with = + - @) is prefixed with "'".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from engagements.models import Engagement
from engagements.selectors import tasks_visible_to

from .choices import ClockKind, Kpi
from .kpis import Period
from .models import KpiSnapshot, TaskClock

CHUNK_SIZE = 2000

KPI_HEADER = (
    "engagement",
    "period_kind",
    "period_start",
    "period_end",
    "kpi",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
    "service_credit",
    "currency",
)
CLOCK_HEADER = (
    "task_id",
    "task_title",
    "priority",
    "sla",
    "kind",
    "state",
    "target_seconds",
    "elapsed_seconds",
    "paused_seconds",
    "started_at",
    "stopped_at",
    "due_at",
)
CLOCK_FIELDS = (
    "task",
    "sla",
    "kind",
    "state",
    "priority",
    "target_seconds",
    "elapsed_seconds",
    "paused_seconds",
    "started_at",
    "stopped_at",
    "due_at",
)
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- writers (pure) -------------------------------------------------------------------------------


class _Line:
    """A file-like object whose write returns the line, so csv.writer yields strings to stream."""

    def write(self, line: str) -> str:
        return line


def _text(value: str) -> str:
    # A cell like "=HYPERLINK(...)" would run as a formula in a spreadsheet: keep it text.
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


def iso_utc(instant: datetime | None) -> str:
    """An aware instant as ISO 8601 UTC with a Z, e.g. 2026-06-01T07:00:00Z; empty when missing."""
    if instant is None:
        return ""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _number(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def kpi_snapshot_csv(snapshots: Iterable[KpiSnapshot]) -> Iterator[str]:
    """The header, then one CSV line per snapshot (the snapshot's engagement must be loaded)."""
    writer = csv.writer(_Line())
    yield writer.writerow(KPI_HEADER)
    for snapshot in snapshots:
        yield writer.writerow(
            (
                _text(snapshot.engagement.title),
                snapshot.period_kind,
                snapshot.period_start.isoformat(),
                snapshot.period_end.isoformat(),
                snapshot.kpi,
                _number(snapshot.numerator),
                _number(snapshot.denominator),
                _number(snapshot.value),
                _number(snapshot.target),
                snapshot.status,
                _number(snapshot.service_credit),
                snapshot.currency,
            )
        )


def task_clock_csv(clocks: Iterable[TaskClock]) -> Iterator[str]:
    """The header, then one CSV line per clock (the clock's task and SLA must be loaded)."""
    writer = csv.writer(_Line())
    yield writer.writerow(CLOCK_HEADER)
    for clock in clocks:
        yield writer.writerow(
            (
                clock.task_id,
                _text(clock.task.title),
                clock.priority or clock.task.priority,
                _text(clock.sla.name) if clock.sla else "",
                clock.kind,
                clock.state,
                _number(clock.target_seconds),
                clock.elapsed_seconds,
                clock.paused_seconds,
                iso_utc(clock.started_at),
                iso_utc(clock.stopped_at),
                iso_utc(clock.due_at),
            )
        )


# --- what is exported (permission-scoped reads) ---------------------------------------------------


def _in_enum_order(field: str, choices) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


def kpi_snapshots_for_export(
    *, engagement: Engagement, first_month: date | None, last_month: date | None
) -> Iterator[KpiSnapshot]:
    """Snapshots of a (visible) engagement whose period starts in [first_month, last_month], both months
    included and either bound optional; by period start, period kind, then KPI in the Kpi enum order."""
    snapshots: QuerySet[KpiSnapshot] = KpiSnapshot.objects.filter(engagement=engagement)
    if first_month is not None:
        snapshots = snapshots.filter(period_start__gte=first_month.replace(day=1))
    if last_month is not None:
        index = last_month.year * 12 + last_month.month  # the month after last_month, 0-based month
        snapshots = snapshots.filter(period_start__lt=date(index // 12, index % 12 + 1, 1))
    return (
        snapshots.select_related("engagement")
        .defer("engagement__scope", "engagement__expected_outcomes")
        .order_by("period_start", "period_kind", _in_enum_order("kpi", Kpi), "pk")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def task_clocks_for_export(*, user, engagement: Engagement, period: Period) -> Iterator[TaskClock]:
    """Clocks of the engagement's tasks the user may see that started or stopped in the period, or were
    started before its end and are not stopped yet (running, at risk, paused or breached and open).
    Never-started clocks (not applicable) are left out. By task, then response, resolution, rework."""
    started_before_end = Q(started_at__lt=period.ends_at)
    clocks = TaskClock.objects.filter(
        task__in=tasks_visible_to(user).filter(engagement=engagement).values("pk")
    ).filter(
        Q(started_at__gte=period.starts_at, started_at__lt=period.ends_at)
        | Q(stopped_at__gte=period.starts_at, stopped_at__lt=period.ends_at)
        | (started_before_end & Q(stopped_at__isnull=True))
    )
    return (
        clocks.select_related("task", "sla")
        # The task's long text (specification, criteria) is never exported: leave it in the database.
        .only(*CLOCK_FIELDS, "task__title", "task__priority", "sla__name")
        .order_by("task_id", _in_enum_order("kind", ClockKind), "pk")
        .iterator(chunk_size=CHUNK_SIZE)
    )
