"""Period KPIs of an engagement (shared/design/sla.md, "Period KPIs"): computed, snapshotted, alerted.

Every snapshot shows its working (numerator / denominator), so both sides can check it by hand against
the task events, clocks, reviews and time entries. Definitions, for one engagement and one period:

Periods
    MONTH is a calendar month, SLA_PERIOD a calendar quarter, both in the time zone of the engagement's
    SLA calendar (`engagement.sla.calendar.time_zone`; UTC when the engagement has no SLA). A period runs
    from local midnight of its first day (inclusive) to local midnight of the first day of the next period
    (exclusive), converted to UTC for every instant comparison. `period_start` is the first local day and
    `period_end` the first local day of the *next* period (exclusive, like the instants). Any date inside
    a period names it: it is normalised to the period's first day.

KPIs (counts are of distinct tasks of the engagement)
    response_compliance    tasks whose response TaskClock stopped in the period (stopped_at in
                           [start, end)) in state met or breached: numerator = met,
                           denominator = met + breached.
    resolution_compliance  the same for the resolution clock (it stops at the first delivery). A clock
                           that breached and was then stopped by a cancellation keeps state breached and
                           counts as breached; a cancelled clock within budget is not_applicable and
                           does not count.
    accuracy               QualityReviews with reviewed_at in the period: numerator = sum of
                           accuracy_score / 100, denominator = number of reviews (the mean score as a
                           fraction: 0.95 is a mean score of 95).
    rework_rate            numerator = tasks with a status TaskEvent to rework_requested in the period,
                           denominator = tasks with a status TaskEvent to delivered in the period (a task
                           delivered twice in the period counts once).
    sampling_coverage      denominator = tasks delivered in the period (as above), numerator = those of
                           them that have a QualityReview, whenever it was made.

Value, target and status
    value = numerator / denominator rounded half-up to 6 places; no value when the denominator is 0, and
    the status is then no_data (never 100%). The target is the SLA's KpiTarget for the KPI (a fraction,
    0.95 = 95%); sampling_coverage falls back to the SLA's sampling_rate when it has no KpiTarget. Met is
    decided exactly on the counts, not on the rounded value: numerator >= target x denominator
    (rework_rate, lower is better: numerator <= target x denominator). Not met is breached when the
    period has ended (end <= now) and at_risk while it is still running. A KPI without a target (no
    KpiTarget, or no SLA) is met whenever it has data: there is nothing to breach.

Service credit
    The period's fees are the sum over the engagement's TimeEntry rows with work_date in the period
    (local dates, [period_start, period_end)) of hours x hourly_rate, rounded half-up to cents. Only
    entries in the engagement's currency are summed (there is no FX conversion here: an entry priced in
    another currency is left out of the fees). Each breached KPI earns the SLA's service_credit_percent %
    of the fees (rounded to cents), applied in the order of the Kpi enum until the total reaches
    service_credit_cap_percent % of the fees: the KPI that crosses the cap gets the remainder, later ones
    nothing. At-risk KPIs earn no credit. Credits are stored per snapshot in the engagement's currency.

Alerts
    The first time a snapshot of an ended period is breached, its `alerted_at` is claimed by a
    conditional update and a KPI_BREACHED event is published in the same transaction: once per snapshot,
    however often the period is recomputed, and never again even if it later flips to met and back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.choices import EngagementStatus, TaskEventKind, TaskStatus
from engagements.models import Engagement, QualityReview, TaskEvent, TimeEntry
from engagements.selectors import engagement_roles
from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.events.choices import EventType
from kpo.events.services import event_publish

from .choices import KPI_LOWER_IS_BETTER, ClockKind, ClockState, Kpi, KpiStatus, PeriodKind
from .models import KpiSnapshot, TaskClock

logger = logging.getLogger(__name__)

VALUE_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Wide enough for any sum the aggregates produce (SQLite otherwise quantizes to the column's precision).
_SUM_FIELD = DecimalField(max_digits=24, decimal_places=4)

# The snapshot's unique key, and what a recomputation rewrites (never created_at or alerted_at).
SNAPSHOT_KEY = ("engagement", "kpi", "period_kind", "period_start")
SNAPSHOT_VALUES = (
    "sla",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
    "service_credit",
    "currency",
    "updated_at",
)
# Engagements whose periods the daily close computes.
CLOSING_STATUSES = (EngagementStatus.ACTIVE, EngagementStatus.ON_HOLD, EngagementStatus.COMPLETED)
# Who may ask for a recomputation of an engagement's KPIs (besides operators).
RECOMPUTE_ROLES = frozenset({Role.CONSULTANT_EXECUTIVE, Role.CLIENT_ADMIN, Role.PROVIDER_MANAGER})


# --- periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month or quarter in one time zone: local first days and the UTC instants they begin at."""

    kind: str
    start: date  # first local day
    end: date  # first local day of the next period (exclusive)
    starts_at: datetime  # UTC, inclusive
    ends_at: datetime  # UTC, exclusive
    time_zone: str

    @property
    def label(self) -> str:
        """The period as people name it: "2026-10" for a month, "2026-Q4" for a quarter."""
        if self.kind == PeriodKind.SLA_PERIOD:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at <= now


def _month_after(day: date, months: int = 1) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(day: date, period_kind: str) -> tuple[date, date]:
    """The first day of the period containing `day`, and the first day of the next one."""
    if period_kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        return start, _month_after(start)
    if period_kind == PeriodKind.SLA_PERIOD:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return start, _month_after(start, 3)
    raise ApplicationError(_("Unknown period kind “%(kind)s”.") % {"kind": period_kind})


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    # fold=0: where a DST gap swallows midnight, the day begins at the first instant that exists.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_for(*, period_start: date, period_kind: str, time_zone: str) -> Period:
    """The period of `period_kind` containing `period_start`, with its boundaries in `time_zone`."""
    start, end = period_bounds(period_start, period_kind)
    zone = ZoneInfo(time_zone)
    return Period(
        kind=period_kind,
        start=start,
        end=end,
        starts_at=_local_midnight_utc(start, zone),
        ends_at=_local_midnight_utc(end, zone),
        time_zone=time_zone,
    )


def engagement_time_zone(engagement: Engagement) -> str:
    """The zone an engagement's periods are cut in: its SLA calendar's, else UTC."""
    return engagement.sla.calendar.time_zone if engagement.sla_id else "UTC"


def local_today(engagement: Engagement, now: datetime) -> date:
    return now.astimezone(ZoneInfo(engagement_time_zone(engagement))).date()


# --- measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    numerator: Decimal
    denominator: Decimal

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (self.numerator / self.denominator).quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)


def kpi_ratios(*, engagement_id: int, period: Period) -> dict[str, Ratio]:
    """Numerator and denominator of every KPI (see the module docstring): three aggregate queries."""
    in_period = {"gte": period.starts_at, "lt": period.ends_at}
    clocks = TaskClock.objects.filter(
        task__engagement_id=engagement_id,
        kind__in=[ClockKind.RESPONSE, ClockKind.RESOLUTION],
        state__in=[ClockState.MET, ClockState.BREACHED],
        stopped_at__gte=in_period["gte"],
        stopped_at__lt=in_period["lt"],
    ).aggregate(
        **{
            f"{kind}_{state}": Count("task", distinct=True, filter=Q(kind=kind, state=state))
            for kind in (ClockKind.RESPONSE, ClockKind.RESOLUTION)
            for state in (ClockState.MET, ClockState.BREACHED)
        }
    )
    reviews = QualityReview.objects.filter(
        task__engagement_id=engagement_id,
        reviewed_at__gte=in_period["gte"],
        reviewed_at__lt=in_period["lt"],
    ).aggregate(score_total=Sum("accuracy_score", output_field=_SUM_FIELD), reviews=Count("id"))
    delivered = Q(to_status=TaskStatus.DELIVERED)
    events = TaskEvent.objects.filter(
        task__engagement_id=engagement_id,
        kind=TaskEventKind.STATUS,
        to_status__in=[TaskStatus.DELIVERED, TaskStatus.REWORK_REQUESTED],
        occurred_at__gte=in_period["gte"],
        occurred_at__lt=in_period["lt"],
    ).aggregate(
        delivered=Count("task", distinct=True, filter=delivered),
        reworked=Count("task", distinct=True, filter=Q(to_status=TaskStatus.REWORK_REQUESTED)),
        delivered_reviewed=Count(
            "task",
            distinct=True,
            filter=delivered & Q(Exists(QualityReview.objects.filter(task_id=OuterRef("task_id")))),
        ),
    )

    def clock_ratio(kind: str) -> Ratio:
        met, breached = clocks[f"{kind}_{ClockState.MET}"], clocks[f"{kind}_{ClockState.BREACHED}"]
        return Ratio(Decimal(met), Decimal(met + breached))

    return {
        Kpi.RESPONSE_COMPLIANCE: clock_ratio(ClockKind.RESPONSE),
        Kpi.RESOLUTION_COMPLIANCE: clock_ratio(ClockKind.RESOLUTION),
        Kpi.ACCURACY: Ratio((reviews["score_total"] or ZERO) / HUNDRED, Decimal(reviews["reviews"])),
        Kpi.REWORK_RATE: Ratio(Decimal(events["reworked"]), Decimal(events["delivered"])),
        Kpi.SAMPLING_COVERAGE: Ratio(Decimal(events["delivered_reviewed"]), Decimal(events["delivered"])),
    }


def kpi_status(*, kpi: str, ratio: Ratio, target: Decimal | None, period_ended: bool) -> str:
    """met / at_risk / breached / no_data, decided exactly on the counts (see the module docstring)."""
    if not ratio.denominator:
        return KpiStatus.NO_DATA
    if target is None:
        return KpiStatus.MET
    goal = target * ratio.denominator
    met = ratio.numerator <= goal if kpi in KPI_LOWER_IS_BETTER else ratio.numerator >= goal
    if met:
        return KpiStatus.MET
    return KpiStatus.BREACHED if period_ended else KpiStatus.AT_RISK


def period_fees(*, engagement: Engagement, period: Period) -> Decimal:
    """Sum of hours x hourly_rate of the engagement's time entries in the period, in its currency only."""
    total = TimeEntry.objects.filter(
        task__engagement_id=engagement.pk,
        currency=engagement.currency,
        work_date__gte=period.start,
        work_date__lt=period.end,
    ).aggregate(fees=Sum(F("hours") * F("hourly_rate"), output_field=_SUM_FIELD))["fees"]
    return (total or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def service_credits(
    *, statuses: dict[str, str], fees: Decimal, credit_percent: Decimal, cap_percent: Decimal
) -> dict[str, Decimal]:
    """Credit per KPI: credit_percent % of fees per breached KPI, in Kpi order, capped at cap_percent %."""
    each = (fees * credit_percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    cap = (fees * cap_percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    credits: dict[str, Decimal] = {}
    total = ZERO
    for kpi in Kpi:
        credit = ZERO
        if statuses.get(kpi) == KpiStatus.BREACHED:
            credit = max(ZERO, min(each, cap - total))
            total += credit
        credits[kpi] = credit.quantize(CENT)
    return credits


def kpi_targets(engagement: Engagement) -> dict[str, Decimal | None]:
    """Each KPI's target under the engagement's SLA (uses prefetched kpi_targets when present)."""
    sla = engagement.sla
    if sla is None:
        return dict.fromkeys(Kpi)
    targets: dict[str, Decimal | None] = dict.fromkeys(Kpi)
    targets.update({t.kpi: t.target for t in sla.kpi_targets.all()})
    if targets[Kpi.SAMPLING_COVERAGE] is None:
        targets[Kpi.SAMPLING_COVERAGE] = sla.sampling_rate
    return targets


# --- computing and storing ------------------------------------------------------------------------


def _load_engagement(engagement_id: int) -> Engagement | None:
    return (
        Engagement.objects.select_related("sla__calendar")
        .prefetch_related("sla__kpi_targets")
        .filter(pk=engagement_id)
        .first()
    )


def engagement_kpis_compute(
    *,
    engagement_id: int,
    period_start: date,
    period_kind: str = PeriodKind.MONTH,
    now: datetime | None = None,
) -> list[KpiSnapshot]:
    """Compute and upsert one KpiSnapshot per Kpi for the period containing `period_start`.

    Upserted on the unique (engagement, kpi, period_kind, period_start) in one statement, in one
    transaction; idempotent (a second run rewrites the same values, only updated_at moves). Publishes
    KPI_BREACHED once per snapshot when an ended period is breached. An engagement that no longer exists
    has nothing to compute: the result is empty.
    """
    now = now or timezone.now()
    engagement = _load_engagement(engagement_id)
    if engagement is None:
        return []
    period = period_for(
        period_start=period_start, period_kind=period_kind, time_zone=engagement_time_zone(engagement)
    )
    return _compute(engagement=engagement, period=period, now=now)


def _compute(*, engagement: Engagement, period: Period, now: datetime) -> list[KpiSnapshot]:
    sla = engagement.sla
    ended = period.has_ended(now)
    ratios = kpi_ratios(engagement_id=engagement.pk, period=period)
    targets = kpi_targets(engagement)
    statuses = {
        kpi: kpi_status(kpi=kpi, ratio=ratios[kpi], target=targets[kpi], period_ended=ended) for kpi in Kpi
    }
    fees = period_fees(engagement=engagement, period=period)
    credits = service_credits(
        statuses=statuses,
        fees=fees,
        credit_percent=sla.service_credit_percent if sla else ZERO,
        cap_percent=sla.service_credit_cap_percent if sla else ZERO,
    )
    rows = [
        KpiSnapshot(
            engagement=engagement,
            kpi=kpi,
            period_kind=period.kind,
            period_start=period.start,
            sla=sla,
            period_end=period.end,
            numerator=ratios[kpi].numerator,
            denominator=ratios[kpi].denominator,
            value=ratios[kpi].value,
            target=targets[kpi],
            status=statuses[kpi],
            service_credit=credits[kpi],
            currency=engagement.currency,
        )
        for kpi in Kpi
    ]
    with transaction.atomic():
        # One INSERT ... ON CONFLICT (engagement, kpi, period_kind, period_start) DO UPDATE for the five
        # KPIs: created_at and alerted_at of an existing row are kept.
        KpiSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=SNAPSHOT_KEY, update_fields=SNAPSHOT_VALUES
        )
        order = {kpi: index for index, kpi in enumerate(Kpi)}
        snapshots = sorted(
            KpiSnapshot.objects.filter(
                engagement=engagement, period_kind=period.kind, period_start=period.start
            ),
            key=lambda snapshot: order[snapshot.kpi],
        )
        for snapshot in snapshots:
            if ended and snapshot.status == KpiStatus.BREACHED and snapshot.alerted_at is None:
                _alert_breach(snapshot=snapshot, engagement=engagement, period=period, now=now)
    return snapshots


def _plain(number: Decimal | None) -> str:
    """A number as a person writes it: 11, 4.785, 0.95 (no trailing zeros, no exponent)."""
    return "" if number is None else format(number.normalize(), "f")


def percent_display(fraction: Decimal | None) -> str:
    """0.916667 -> "91.7%"."""
    if fraction is None:
        return "n/a"
    return f"{(fraction * HUNDRED).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _alert_breach(*, snapshot: KpiSnapshot, engagement: Engagement, period: Period, now: datetime) -> None:
    # Claim the alert with a conditional update: a concurrent or retried run finds it taken.
    if not KpiSnapshot.objects.filter(pk=snapshot.pk, alerted_at__isnull=True).update(alerted_at=now):
        return
    snapshot.alerted_at = now
    event_publish(
        event_type=EventType.KPI_BREACHED,
        engagement=engagement,
        occurred_at=now,
        payload={
            "kpi": snapshot.kpi,
            "kpi_label": str(Kpi(snapshot.kpi).label),
            "period": period.label,
            "period_kind": period.kind,
            "period_start": period.start.isoformat(),
            "value_display": percent_display(snapshot.value),
            "target_display": percent_display(snapshot.target),
            "numerator": _plain(snapshot.numerator),
            "denominator": _plain(snapshot.denominator),
            "service_credit": _plain(snapshot.service_credit),
            "currency": snapshot.currency,
            "engagement_id": engagement.pk,
            "engagement_title": engagement.title,
            "snapshot_id": snapshot.pk,
            "url": engagement.get_absolute_url(),
        },
    )


# --- the daily close ------------------------------------------------------------------------------


def periods_to_close(today: date) -> list[tuple[date, str]]:
    """The previous month, the previous quarter while the first month of a new one runs, the current month.

    The previous periods are recomputed every day of the following month, so late facts (a back-dated
    event, a review) still land in them; their breach alert is raised once.
    """
    this_month = today.replace(day=1)
    periods = [(_month_after(this_month, -1), PeriodKind.MONTH)]
    if this_month.month in (1, 4, 7, 10):
        periods.append((_month_after(this_month, -3), PeriodKind.SLA_PERIOD))
    periods.append((this_month, PeriodKind.MONTH))
    return periods


def _within_engagement(engagement: Engagement, period: Period) -> bool:
    # A period entirely before the start or after the end of the engagement has nothing to measure.
    if period.end <= engagement.start_date:
        return False
    return engagement.end_date is None or period.start <= engagement.end_date


def kpis_close_periods(*, now: datetime | None = None) -> int:
    """Compute the closing and current periods of every engagement under an SLA; returns snapshots written.

    Engagements with an SLA and status active, on hold or completed; periods outside the engagement's
    dates are skipped. A constant number of queries per engagement and period (aggregates, no per-task
    query). One engagement failing does not stop the others; the failures are raised at the end.
    """
    now = now or timezone.now()
    engagements = (
        Engagement.objects.filter(sla__isnull=False, status__in=CLOSING_STATUSES)
        .select_related("sla__calendar")
        .prefetch_related("sla__kpi_targets")
        .order_by("pk")
    )
    written = 0
    failed: list[int] = []
    for engagement in engagements.iterator(chunk_size=200):
        zone = engagement_time_zone(engagement)
        for period_start, period_kind in periods_to_close(local_today(engagement, now)):
            period = period_for(period_start=period_start, period_kind=period_kind, time_zone=zone)
            if not _within_engagement(engagement, period):
                continue
            try:
                written += len(_compute(engagement=engagement, period=period, now=now))
            except Exception:
                logger.exception("KPIs of engagement %s for %s failed", engagement.pk, period.label)
                failed.append(engagement.pk)
    if failed:
        raise RuntimeError(f"KPI computation failed for engagement(s) {sorted(set(failed))}.")
    return written


# --- asking for a recomputation -------------------------------------------------------------------


def kpis_may_recompute(*, user, engagement: Engagement) -> bool:
    """Operators, and the consultant executive, client admin or provider manager of the engagement."""
    return is_operator(user) or bool(engagement_roles(user, engagement) & RECOMPUTE_ROLES)


def engagement_kpis_recompute_request(
    *, engagement: Engagement, actor, now: datetime | None = None
) -> Period:
    """Queue the recomputation of the engagement's current month after commit; returns that month."""
    if not kpis_may_recompute(user=actor, engagement=engagement):
        raise PermissionDenied(
            _(
                "Only the engagement's consultant executive, client admin or provider manager may recompute KPIs."
            )
        )
    if engagement.sla_id is None:
        raise ApplicationError(_("This engagement has no SLA, so it has no KPIs to compute."))
    now = now or timezone.now()
    period = period_for(
        period_start=local_today(engagement, now),
        period_kind=PeriodKind.MONTH,
        time_zone=engagement_time_zone(engagement),
    )
    from .tasks import compute_engagement_kpis  # the task module imports this one

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="kpis.recompute_requested",
            obj=engagement,
            changes={"period": period.label, "period_kind": period.kind},
        )
        transaction.on_commit(
            lambda: compute_engagement_kpis.delay(engagement.pk, period.start.isoformat(), period.kind)
        )
    return period
