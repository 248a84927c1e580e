"""Period KPIs from a small, hand-checkable history (sla.kpis).

The history, June 2026 in Prague (Mon-Fri 09:00-17:00; P3: respond within 2 h, resolve within 8 h):

    T1  ready Mon 1 09:00, started 09:30 (response met), delivered 15:00 (resolution 6 h: met),
        reviewed Tue 2: 100, accepted
    T2  ready Mon 1 09:00, started 12:00 (response 3 h: breached), delivered Tue 2 15:00 (14 h: breached),
        reviewed Wed 3: 90, rework; started again Wed 3 11:00, delivered again Thu 4 12:00
    T3  ready Mon 1 10:00, started 11:00 (met), delivered 16:00 (6 h: met), never reviewed
    T4  ready Wed 3 09:00, started 10:00 (met), still in progress (its resolution clock never stopped)
    T0  all of it on Fri 29 May (another month)

so for June:
    response compliance    T1, T3, T4 met; T2 breached          3 / 4 = 0.75
    resolution compliance  T1, T3 met; T2 breached              2 / 3 = 0.666667
    accuracy               reviews 100 and 90                   1.90 / 2 = 0.95
    rework rate            T2 reworked; T1, T2, T3 delivered    1 / 3 = 0.333333
    sampling coverage      T1, T2 of T1, T2, T3 reviewed        2 / 3 = 0.666667
and fees of 600 EUR (10 h + 5 h at 40 EUR/h in June; a USD entry and July/May entries left out).
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.choices import EngagementStatus, ReviewOutcome, TaskStatus
from engagements.models import TimeEntry
from engagements.services import review_submit, task_transition, time_entry_log
from kpo.events.choices import EventType
from kpo.events.models import DomainEvent, Notification
from kpo.events.services import event_dispatch
from sla.choices import Kpi, KpiStatus, PeriodKind
from sla.kpis import (
    Ratio,
    engagement_kpis_compute,
    kpi_status,
    kpis_close_periods,
    period_for,
    periods_to_close,
    service_credits,
)
from sla.models import KpiSnapshot, KpiTarget
from sla.services import task_clocks_recompute
from sla.tasks import compute_engagement_kpis
from tests.factories import BusinessCalendarFactory, SLAFactory, SLATargetFactory, make_engagement, make_task

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
HOUR = 3600
JUNE = date(2026, 6, 1)
AFTER_JUNE = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
MID_JUNE = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def prague(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PRAGUE)


def move(task, to, actor, at):
    task_transition(task=task, to=to, actor=actor, version=task.version, at=at)


def d(text: str) -> Decimal:
    return Decimal(text)


def make_sla(time_zone: str, name: str, **fields):
    calendar = BusinessCalendarFactory(name=f"{name} office", time_zone=time_zone)
    sla = SLAFactory(name=name, calendar=calendar, effective_from=date(2026, 1, 1), targets=False, **fields)
    SLATargetFactory(sla=sla, priority="P3", response_seconds=2 * HOUR, resolution_seconds=8 * HOUR)
    return sla


@pytest.fixture
def prague_sla(db):
    sla = make_sla("Europe/Prague", "Prague SLA", sampling_rate=d("0.500"))
    for kpi, target in (
        (Kpi.RESPONSE_COMPLIANCE, "0.95"),
        (Kpi.RESOLUTION_COMPLIANCE, "0.95"),
        (Kpi.ACCURACY, "0.98"),
        (Kpi.REWORK_RATE, "0.05"),
    ):  # no sampling-coverage target: the SLA's sampling rate (50%) applies
        KpiTarget.objects.create(sla=sla, kpi=kpi, target=d(target))
    return sla


@pytest.fixture
def engagement(world, prague_sla, operator):
    return make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title="Prague desk",
        service_line=world.service_line,
        sla=prague_sla,
        status=EngagementStatus.ACTIVE,
        actor=operator,
    )


@pytest.fixture
def june(engagement, world, client_staff, client_sme, provider_manager):
    """The history of the module docstring, with clocks recomputed and time entries logged."""
    pm = provider_manager

    def task(title, created):
        return make_task(engagement=engagement, title=title, actor=client_staff, at=created)

    t0 = task("T0", prague(5, 29, 8))
    move(t0, TaskStatus.READY, client_staff, prague(5, 29, 9))
    move(t0, TaskStatus.IN_PROGRESS, pm, prague(5, 29, 9, 30))
    move(t0, TaskStatus.DELIVERED, pm, prague(5, 29, 15))

    t1, t2, t3 = task("T1", prague(6, 1, 8)), task("T2", prague(6, 1, 8)), task("T3", prague(6, 1, 9))
    move(t1, TaskStatus.READY, client_staff, prague(6, 1, 9))
    move(t2, TaskStatus.READY, client_staff, prague(6, 1, 9))
    move(t3, TaskStatus.READY, client_staff, prague(6, 1, 10))
    move(t1, TaskStatus.IN_PROGRESS, pm, prague(6, 1, 9, 30))
    move(t3, TaskStatus.IN_PROGRESS, pm, prague(6, 1, 11))
    move(t2, TaskStatus.IN_PROGRESS, pm, prague(6, 1, 12))
    move(t1, TaskStatus.DELIVERED, pm, prague(6, 1, 15))
    move(t3, TaskStatus.DELIVERED, pm, prague(6, 1, 16))
    move(t2, TaskStatus.DELIVERED, pm, prague(6, 2, 15))
    review_submit(
        task=t1,
        reviewer=client_sme,
        accuracy_score=d("100"),
        outcome=ReviewOutcome.ACCEPTED,
        version=t1.version,
        at=prague(6, 2, 10),
    )
    review_submit(
        task=t2,
        reviewer=client_sme,
        accuracy_score=d("90"),
        outcome=ReviewOutcome.REWORK,
        version=t2.version,
        at=prague(6, 3, 10),
    )
    move(t2, TaskStatus.IN_PROGRESS, pm, prague(6, 3, 11))
    move(t2, TaskStatus.DELIVERED, pm, prague(6, 4, 12))

    t4 = task("T4", prague(6, 3, 8))
    move(t4, TaskStatus.READY, client_staff, prague(6, 3, 9))
    move(t4, TaskStatus.IN_PROGRESS, pm, prague(6, 3, 10))

    for t in (t0, t1, t2, t3, t4):
        task_clocks_recompute(task_id=t.pk, now=prague(6, 30, 12))

    member = world.analyst_member  # 40 EUR/h on provider P's rate card
    for day, hours in ((date(2026, 6, 1), "10"), (date(2026, 6, 30), "5"), (date(2026, 5, 31), "8")):
        time_entry_log(task=t1, team_member=member, work_date=day, hours=d(hours), actor=pm)
    time_entry_log(task=t2, team_member=member, work_date=date(2026, 7, 1), hours=d("3"), actor=pm)
    TimeEntry.objects.create(
        task=t3,
        team_member=member,
        work_date=date(2026, 6, 10),
        hours=d("2"),
        hourly_rate=d("100.00"),
        currency="USD",
    )
    return {"T0": t0, "T1": t1, "T2": t2, "T3": t3, "T4": t4}


def by_kpi(snapshots) -> dict[str, KpiSnapshot]:
    return {s.kpi: s for s in snapshots}


def stored(engagement, period_start=JUNE, period_kind=PeriodKind.MONTH) -> dict[str, KpiSnapshot]:
    return by_kpi(
        KpiSnapshot.objects.filter(engagement=engagement, period_start=period_start, period_kind=period_kind)
    )


def kpi_breaches(engagement):
    return DomainEvent.objects.filter(engagement=engagement, event_type=EventType.KPI_BREACHED)


# --- periods -------------------------------------------------------------------------------------


def test_period_boundaries_are_local_midnights_in_utc():
    october_ny = period_for(
        period_start=date(2026, 10, 1), period_kind=PeriodKind.MONTH, time_zone="America/New_York"
    )
    assert (october_ny.starts_at, october_ny.ends_at) == (
        datetime(2026, 10, 1, 4, tzinfo=UTC),  # EDT
        datetime(2026, 11, 1, 4, tzinfo=UTC),  # still EDT at midnight; DST ends at 02:00
    )
    assert (october_ny.start, october_ny.end, october_ny.label) == (
        date(2026, 10, 1),
        date(2026, 11, 1),
        "2026-10",
    )
    q4 = period_for(
        period_start=date(2026, 11, 17), period_kind=PeriodKind.SLA_PERIOD, time_zone="America/New_York"
    )
    assert (q4.start, q4.end, q4.label) == (date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
    assert q4.ends_at == datetime(2027, 1, 1, 5, tzinfo=UTC)  # EST
    october_in = period_for(
        period_start=date(2026, 10, 1), period_kind=PeriodKind.MONTH, time_zone="Asia/Kolkata"
    )
    assert october_in.starts_at == datetime(2026, 9, 30, 18, 30, tzinfo=UTC)


def test_the_daily_close_takes_the_previous_month_the_ended_quarter_and_the_current_month():
    assert periods_to_close(date(2026, 11, 22)) == [
        (date(2026, 10, 1), PeriodKind.MONTH),
        (date(2026, 11, 1), PeriodKind.MONTH),
    ]
    assert periods_to_close(date(2026, 1, 1)) == [
        (date(2025, 12, 1), PeriodKind.MONTH),
        (date(2025, 10, 1), PeriodKind.SLA_PERIOD),
        (date(2026, 1, 1), PeriodKind.MONTH),
    ]


# --- the rules, as pure functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "numerator", "denominator", "target", "ended", "status"),
    [
        (Kpi.RESPONSE_COMPLIANCE, 19, 20, "0.95", True, KpiStatus.MET),  # exactly on target
        (Kpi.RESPONSE_COMPLIANCE, 18, 20, "0.95", True, KpiStatus.BREACHED),
        (Kpi.RESPONSE_COMPLIANCE, 18, 20, "0.95", False, KpiStatus.AT_RISK),
        (Kpi.REWORK_RATE, 1, 20, "0.05", True, KpiStatus.MET),  # lower is better
        (Kpi.REWORK_RATE, 2, 20, "0.05", True, KpiStatus.BREACHED),
        (Kpi.REWORK_RATE, 0, 0, "0.05", True, KpiStatus.NO_DATA),
        (Kpi.ACCURACY, 0, 0, "0.98", False, KpiStatus.NO_DATA),
        (Kpi.ACCURACY, 1, 2, None, True, KpiStatus.MET),  # no target: nothing to breach
    ],
)
def test_kpi_status(kpi, numerator, denominator, target, ended, status):
    ratio = Ratio(d(str(numerator)), d(str(denominator)))
    assert (
        kpi_status(kpi=kpi, ratio=ratio, target=d(target) if target else None, period_ended=ended) == status
    )


def test_a_ratio_without_a_denominator_has_no_value_never_100_percent():
    assert Ratio(d("0"), d("0")).value is None
    assert Ratio(d("2"), d("3")).value == d("0.666667")


def test_service_credits_are_given_in_kpi_order_until_the_cap():
    breached = dict.fromkeys(Kpi, KpiStatus.BREACHED)
    credits = service_credits(statuses=breached, fees=d("600.00"), credit_percent=d("2"), cap_percent=d("5"))
    assert [credits[k] for k in Kpi] == [d("12.00"), d("12.00"), d("6.00"), d("0.00"), d("0.00")]
    some = {**breached, Kpi.RESPONSE_COMPLIANCE: KpiStatus.AT_RISK, Kpi.ACCURACY: KpiStatus.MET}
    credits = service_credits(statuses=some, fees=d("600.00"), credit_percent=d("2"), cap_percent=d("10"))
    assert [credits[k] for k in Kpi] == [d("0.00"), d("12.00"), d("0.00"), d("12.00"), d("12.00")]


# --- the June history ----------------------------------------------------------------------------


def test_june_kpis_match_the_hand_count(engagement, june, prague_sla):
    snapshots = by_kpi(
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    )
    got = {kpi: (s.numerator, s.denominator, s.value, s.target, s.status) for kpi, s in snapshots.items()}
    assert got == {
        Kpi.RESPONSE_COMPLIANCE: (3, 4, d("0.75"), d("0.95"), KpiStatus.BREACHED),
        Kpi.RESOLUTION_COMPLIANCE: (2, 3, d("0.666667"), d("0.95"), KpiStatus.BREACHED),
        Kpi.ACCURACY: (d("1.9"), 2, d("0.95"), d("0.98"), KpiStatus.BREACHED),
        Kpi.REWORK_RATE: (1, 3, d("0.333333"), d("0.05"), KpiStatus.BREACHED),
        Kpi.SAMPLING_COVERAGE: (2, 3, d("0.666667"), d("0.5"), KpiStatus.MET),
    }
    june_row = stored(engagement)[Kpi.RESPONSE_COMPLIANCE]
    assert (june_row.period_start, june_row.period_end, june_row.sla, june_row.currency) == (
        JUNE,
        date(2026, 7, 1),
        prague_sla,
        "EUR",
    )


def test_a_quarter_adds_up_its_months(engagement, june):
    snapshots = by_kpi(
        engagement_kpis_compute(
            engagement_id=engagement.pk,
            period_start=date(2026, 5, 20),  # any day of the quarter names it
            period_kind=PeriodKind.SLA_PERIOD,
            now=AFTER_JUNE,
        )
    )
    assert snapshots[Kpi.RESPONSE_COMPLIANCE].period_start == date(2026, 4, 1)
    assert snapshots[Kpi.RESPONSE_COMPLIANCE].period_end == date(2026, 7, 1)
    # T0's May response and resolution join June's: 4 / 5 and 3 / 4; it also joins the delivered tasks.
    assert (snapshots[Kpi.RESPONSE_COMPLIANCE].numerator, snapshots[Kpi.RESPONSE_COMPLIANCE].denominator) == (
        4,
        5,
    )
    assert (
        snapshots[Kpi.RESOLUTION_COMPLIANCE].numerator,
        snapshots[Kpi.RESOLUTION_COMPLIANCE].denominator,
    ) == (3, 4)
    assert (snapshots[Kpi.REWORK_RATE].numerator, snapshots[Kpi.REWORK_RATE].denominator) == (1, 4)


def test_a_month_without_activity_is_no_data_not_100_percent(engagement, june):
    snapshots = engagement_kpis_compute(
        engagement_id=engagement.pk, period_start=date(2026, 4, 1), now=AFTER_JUNE
    )
    assert len(snapshots) == 5
    assert {(s.status, s.value, s.numerator, s.denominator, s.service_credit) for s in snapshots} == {
        (KpiStatus.NO_DATA, None, 0, 0, 0)
    }
    assert not kpi_breaches(engagement).exists()


def test_a_running_month_is_at_risk_and_alerts_nobody_until_it_ends(engagement, june):
    snapshots = by_kpi(engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=MID_JUNE))
    assert [snapshots[k].status for k in Kpi] == [KpiStatus.AT_RISK] * 4 + [KpiStatus.MET]
    assert sum(s.service_credit for s in snapshots.values()) == 0  # credits are due only for breaches
    assert not kpi_breaches(engagement).exists()
    engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    assert [stored(engagement)[k].status for k in Kpi] == [KpiStatus.BREACHED] * 4 + [KpiStatus.MET]
    assert kpi_breaches(engagement).count() == 4


def test_service_credit_is_a_share_of_the_fees_in_the_engagement_currency_capped(
    engagement, june, prague_sla
):
    # Fees: (10 h + 5 h) x 40 EUR = 600 EUR; 2% per breached KPI, cap 10%: four breaches earn 12 EUR each.
    snapshots = by_kpi(
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    )
    assert [snapshots[k].service_credit for k in Kpi] == [d("12.00")] * 4 + [d("0.00")]
    assert {s.currency for s in snapshots.values()} == {"EUR"}
    prague_sla.service_credit_cap_percent = d("5.00")  # cap: 30 EUR
    prague_sla.save()
    snapshots = by_kpi(
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    )
    assert [snapshots[k].service_credit for k in Kpi] == [
        d("12.00"),
        d("12.00"),
        d("6.00"),
        d("0.00"),
        d("0.00"),
    ]


def test_a_kpi_target_overrides_the_sampling_rate_for_coverage(engagement, june, prague_sla):
    KpiTarget.objects.create(sla=prague_sla, kpi=Kpi.SAMPLING_COVERAGE, target=d("0.75"))
    coverage = by_kpi(
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    )[Kpi.SAMPLING_COVERAGE]
    assert (coverage.target, coverage.status) == (d("0.75"), KpiStatus.BREACHED)


def test_recomputing_changes_nothing_and_alerts_once(engagement, june):
    def rows():
        return list(
            KpiSnapshot.objects.filter(engagement=engagement)
            .order_by("period_kind", "period_start", "kpi")
            .values_list(
                "pk",
                "created_at",
                "kpi",
                "numerator",
                "denominator",
                "value",
                "target",
                "status",
                "service_credit",
                "alerted_at",
            )
        )

    engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    first = rows()
    engagement_kpis_compute(
        engagement_id=engagement.pk, period_start=JUNE, now=datetime(2026, 7, 3, tzinfo=UTC)
    )
    assert rows() == first
    assert len(first) == 5
    assert kpi_breaches(engagement).count() == 4  # one per breached KPI, not one per run
    assert {s.alerted_at for s in stored(engagement).values() if s.status == KpiStatus.BREACHED} == {
        AFTER_JUNE
    }


def test_the_breach_alert_carries_its_working_and_reaches_both_sides(
    engagement, june, provider_manager, client_staff, client_admin
):
    engagement_kpis_compute(engagement_id=engagement.pk, period_start=JUNE, now=AFTER_JUNE)
    event = kpi_breaches(engagement).get(payload__kpi=Kpi.REWORK_RATE)
    assert event.occurred_at == AFTER_JUNE
    assert {
        k: event.payload[k]
        for k in (
            "kpi",
            "kpi_label",
            "period",
            "value_display",
            "target_display",
            "numerator",
            "denominator",
            "engagement_title",
            "url",
        )
    } == {
        "kpi": "rework_rate",
        "kpi_label": "Rework rate",
        "period": "2026-06",
        "value_display": "33.3%",
        "target_display": "5.0%",
        "numerator": "1",
        "denominator": "3",
        "engagement_title": "Prague desk",
        "url": engagement.get_absolute_url(),
    }
    accuracy = kpi_breaches(engagement).get(payload__kpi=Kpi.ACCURACY).payload
    assert (accuracy["numerator"], accuracy["denominator"], accuracy["value_display"]) == (
        "1.9",
        "2",
        "95.0%",
    )
    assert event_dispatch(event_id=event.pk)
    notified = Notification.objects.filter(event=event)
    assert set(notified.values_list("recipient", flat=True)) == {
        provider_manager.pk,
        client_staff.pk,
        client_admin.pk,
    }
    assert notified.first().title == "KPI breached: Rework rate for 2026-06"


def test_an_engagement_without_an_sla_is_measured_in_utc_without_targets(world):
    snapshots = engagement_kpis_compute(
        engagement_id=world.engagement_bp.pk, period_start=JUNE, now=AFTER_JUNE
    )
    assert {(s.sla, s.target, s.status) for s in snapshots} == {(None, None, KpiStatus.NO_DATA)}


# --- month boundaries in the SLA's zone ----------------------------------------------------------


def _deliver_one(engagement, client_staff, provider_manager, *, ready, delivered):
    task = make_task(
        engagement=engagement, title=f"Boundary {delivered:%d %H:%M}", actor=client_staff, at=ready
    )
    move(task, TaskStatus.READY, client_staff, ready)
    move(task, TaskStatus.IN_PROGRESS, provider_manager, ready)
    move(task, TaskStatus.DELIVERED, provider_manager, delivered)
    task_clocks_recompute(task_id=task.pk, now=delivered)
    return task


def _delivered_count(engagement, month: date) -> tuple[int, int]:
    snapshots = by_kpi(
        engagement_kpis_compute(engagement_id=engagement.pk, period_start=month, now=AFTER_JUNE)
    )
    return int(snapshots[Kpi.REWORK_RATE].denominator), int(snapshots[Kpi.RESOLUTION_COMPLIANCE].denominator)


@pytest.mark.parametrize(
    ("zone", "delivered_local", "utc_date", "belongs_to"),
    [
        # 23:30 on 31 October in New York is already 1 November in UTC: still October's.
        (
            "America/New_York",
            datetime(2026, 10, 31, 23, 30, tzinfo=NEW_YORK),
            date(2026, 11, 1),
            date(2026, 10, 1),
        ),
        # 00:30 on 1 October in Kolkata is still 30 September in UTC: already October's.
        ("Asia/Kolkata", datetime(2026, 10, 1, 0, 30, tzinfo=KOLKATA), date(2026, 9, 30), date(2026, 10, 1)),
    ],
)
def test_a_delivery_belongs_to_the_month_of_the_sla_zone(
    zone, delivered_local, utc_date, belongs_to, world, operator, client_staff, provider_manager
):
    sla = make_sla(zone, f"{zone} SLA")
    engagement = make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title=f"{zone} desk",
        service_line=world.service_line,
        sla=sla,
        actor=operator,
    )
    _deliver_one(
        engagement,
        client_staff,
        provider_manager,
        ready=delivered_local.replace(hour=0, minute=5),
        delivered=delivered_local,
    )
    assert delivered_local.astimezone(UTC).date() == utc_date
    other_month = date(utc_date.year, utc_date.month, 1)
    assert _delivered_count(engagement, belongs_to) == (1, 1)
    assert _delivered_count(engagement, other_month) == (0, 0)


# --- the daily close and the task wrappers -------------------------------------------------------


def test_closing_periods_computes_every_engagement_under_an_sla(
    engagement, june, world, operator, prague_sla
):
    make_engagement(  # proposed: not measured yet
        client=world.client_a,
        provider=world.provider_p,
        title="Proposal",
        service_line=world.service_line,
        sla=prague_sla,
        status=EngagementStatus.PROPOSED,
        actor=operator,
    )
    first_of_quarter = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 08:00 in Prague, 11:30 in Kolkata
    # Two engagements under an SLA (this one, and engagement_ap) x (June, Q2, July) x 5 KPIs.
    assert kpis_close_periods(now=first_of_quarter) == 30
    periods = set(
        KpiSnapshot.objects.filter(engagement=engagement).values_list("period_kind", "period_start")
    )
    assert periods == {
        (PeriodKind.MONTH, date(2026, 6, 1)),
        (PeriodKind.SLA_PERIOD, date(2026, 4, 1)),
        (PeriodKind.MONTH, date(2026, 7, 1)),
    }
    assert not KpiSnapshot.objects.filter(engagement__in=[world.engagement_bp, world.engagement_aq]).exists()
    assert kpi_breaches(engagement).count() == 8  # June's four and Q2's four, once
    assert kpis_close_periods(now=first_of_quarter) == 30
    assert kpi_breaches(engagement).count() == 8


def test_closing_periods_runs_the_same_queries_however_many_tasks(
    engagement, june, client_staff, provider_manager
):
    now = datetime(2026, 7, 2, 6, 0, tzinfo=UTC)
    kpis_close_periods(now=now)  # first run: creates the rows and raises June's alerts
    with CaptureQueriesContext(connection) as few:
        kpis_close_periods(now=now)
    for hour in range(10, 16):  # six more deliveries, in the running month (no new alert)
        _deliver_one(
            engagement, client_staff, provider_manager, ready=prague(7, 1, 9), delivered=prague(7, 1, hour)
        )
    with CaptureQueriesContext(connection) as many:
        kpis_close_periods(now=now)
    assert len(many.captured_queries) == len(few.captured_queries)
    # The engagements and their KPI targets, then for each of two engagements x (June, Q2, July): four
    # aggregates, the upsert, the re-read and a savepoint pair.
    assert len(few.captured_queries) <= 2 + 2 * 3 * 8
    assert stored(engagement, date(2026, 7, 1))[Kpi.RESOLUTION_COMPLIANCE].denominator == 6


def test_the_celery_task_computes_one_period(engagement, june):
    assert compute_engagement_kpis.delay(engagement.pk, "2026-06-01", PeriodKind.MONTH).get() == 5
    assert stored(engagement)[Kpi.REWORK_RATE].denominator == 3
    assert compute_engagement_kpis.delay(999_999, "2026-06-01", PeriodKind.MONTH).get() == 0  # gone
    with pytest.raises(ValueError):
        compute_engagement_kpis.delay(engagement.pk, "2026-06-01", "fortnight").get()
