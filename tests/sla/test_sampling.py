"""Review sampling: the reproducible draw, the weekly minimum, the switching rules and the SME's queue."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from engagements.choices import ReviewOutcome, TaskEventKind, TaskStatus
from engagements.models import TaskEvent
from engagements.selectors import VIEW_ENGAGEMENT, tasks_visible_to
from engagements.services import review_submit, task_transition
from kpo.core.exceptions import ApplicationError
from sla.choices import SamplingLevel
from sla.models import SLA, SampleDraw, SamplingState, SamplingSwitch
from sla.sampling import (
    sample_awaiting_review,
    sample_draw_for_delivery,
    sample_u,
    sampling_overview,
    sampling_rate_for,
    sampling_record_review,
    sampling_top_up,
    sampling_top_up_all,
)
from tests.factories import QualityReviewFactory, SLAFactory, advance_task, make_engagement, make_task

pytestmark = pytest.mark.django_db

ACCEPT, REWORK = ReviewOutcome.ACCEPTED, ReviewOutcome.REWORK
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # an ISO week in the past, all in March


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """March 2026, UTC; the 2nd is a Monday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def sla(world):
    return SLAFactory(
        name="Sampled SLA",
        calendar=world.provider_p.default_calendar,
        sampling_rate=Decimal("0.000"),  # nothing is drawn on delivery until a test sets the rate
        sampling_minimum_per_week=3,
    )


@pytest.fixture
def engagement(world, sla, operator):
    return make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title="Sampled desk",
        service_line=world.service_line,
        sla=sla,
        actor=operator,
    )


def set_rate(sla, rate) -> None:
    SLA.objects.filter(pk=sla.pk).update(sampling_rate=Decimal(rate))


def deliver(engagement, actor, when: datetime | None = None):
    """A task delivered now, or back-dated to `when` (created and worked in the three hours before)."""
    if when is None:
        return make_task(engagement=engagement, status=TaskStatus.DELIVERED)
    task = make_task(engagement=engagement, actor=actor, at=when - timedelta(hours=3))
    for hours_before, status in (
        (2, TaskStatus.READY),
        (1, TaskStatus.IN_PROGRESS),
        (0, TaskStatus.DELIVERED),
    ):
        task_transition(
            task=task, to=status, actor=actor, version=task.version, at=when - timedelta(hours=hours_before)
        )
    return task


def u_of(task) -> float:
    """The task's u, from its latest delivery event as the module documents it."""
    delivered_at = (
        TaskEvent.objects.filter(task=task, kind=TaskEventKind.STATUS, to_status=TaskStatus.DELIVERED)
        .latest("occurred_at")
        .occurred_at
    )
    return sample_u(
        engagement_id=task.engagement_id,
        period=delivered_at.astimezone(UTC).strftime("%Y-%m"),
        task_id=task.pk,
    )


def three_decimals(u: float, rounding) -> Decimal:
    return Decimal(u).quantize(Decimal("0.001"), rounding=rounding)


def record(engagement, *outcomes) -> list[SamplingSwitch]:
    switches = [sampling_record_review(engagement_id=engagement.pk, outcome=outcome) for outcome in outcomes]
    return [switch for switch in switches if switch is not None]


def level_of(engagement) -> str:
    return SamplingState.objects.get(engagement=engagement).level


# --- the draw ------------------------------------------------------------------------------------


def test_u_is_the_documented_hash_of_engagement_period_and_task():
    assert sample_u(engagement_id=7, period="2026-03", task_id=42) == 0x92E86DF989121A3 / 16**15
    digest = hashlib.sha256(b"7:2026-03:42").hexdigest()
    assert int(digest[:15], 16) == 0x92E86DF989121A3
    assert round(sample_u(engagement_id=7, period="2026-03", task_id=42), 4) == 0.5739
    assert sample_u(engagement_id=7, period="2026-04", task_id=42) != sample_u(
        engagement_id=7, period="2026-03", task_id=42
    )


def test_the_draw_is_reproducible_and_its_reason_shows_the_working(engagement, sla, operator):
    task = deliver(engagement, operator, at(3))
    u = u_of(task)
    set_rate(sla, three_decimals(u, ROUND_CEILING))  # just above u (u < 1, so at most 1): drawn
    draw = sample_draw_for_delivery(task_id=task.pk, now=at(3, 13))
    rate = three_decimals(u, ROUND_CEILING)
    assert draw is not None and draw.rate == rate and draw.level == SamplingLevel.NORMAL
    assert draw.period_start == date(2026, 3, 1) and draw.drawn_at == at(3, 13)
    shown = f"0.{int(u * 10**4):04d}"
    assert draw.reason == f"drawn at {(rate * 100).normalize():f}% (normal): u={shown} < {rate}"

    draw.delete()  # the same inputs give the same decision and the same record
    again = sample_draw_for_delivery(task_id=task.pk, now=at(3, 13))
    assert (again.rate, again.reason) == (draw.rate, draw.reason)

    again.delete()
    set_rate(sla, three_decimals(u, ROUND_FLOOR))  # just below u: not drawn
    assert sample_draw_for_delivery(task_id=task.pk) is None
    assert not SampleDraw.objects.filter(task=task).exists()


def test_the_share_drawn_is_the_rate():
    # Fixed inputs, so this is a constant: 391 of 4000 tasks under 10%.
    drawn = sum(sample_u(engagement_id=1, period="2026-03", task_id=i) < 0.1 for i in range(1, 4001))
    assert drawn == 391
    assert abs(drawn / 4000 - 0.1) < 0.01


def test_exactly_the_tasks_under_the_rate_are_drawn(engagement, sla):
    set_rate(sla, "0.100")
    tasks = [deliver(engagement, None) for _ in range(150)]
    expected = {task.pk for task in tasks if u_of(task) < 0.1}
    for task in tasks:
        sample_draw_for_delivery(task_id=task.pk)
    drawn = set(SampleDraw.objects.filter(engagement=engagement).values_list("task_id", flat=True))
    assert drawn == expected
    assert 0 < len(drawn) < 150


def test_drawing_twice_records_one_draw(engagement, sla, operator):
    set_rate(sla, "1.000")
    task = deliver(engagement, operator, at(4))
    first = sample_draw_for_delivery(task_id=task.pk, now=at(4, 13))
    second = sample_draw_for_delivery(task_id=task.pk, now=at(4, 14))
    assert first.pk == second.pk and second.drawn_at == first.drawn_at
    assert SampleDraw.objects.filter(task=task).count() == 1


def test_a_redelivery_is_drawn_only_if_it_never_was(engagement, sla, operator):
    set_rate(sla, "0.000")
    task = deliver(engagement, operator, at(4))
    assert sample_draw_for_delivery(task_id=task.pk) is None
    for hour, status in (
        (13, TaskStatus.REWORK_REQUESTED),
        (14, TaskStatus.IN_PROGRESS),
        (15, TaskStatus.DELIVERED),
    ):
        task_transition(task=task, to=status, actor=operator, version=task.version, at=at(4, hour))
    set_rate(sla, "1.000")
    draw = sample_draw_for_delivery(task_id=task.pk, now=at(4, 15))
    assert draw is not None and draw.rate == Decimal("1.000")
    for hour, status in (
        (16, TaskStatus.REWORK_REQUESTED),
        (17, TaskStatus.IN_PROGRESS),
        (18, TaskStatus.DELIVERED),
    ):
        task_transition(task=task, to=status, actor=operator, version=task.version, at=at(4, hour))
    assert sample_draw_for_delivery(task_id=task.pk, now=at(4, 18)) == draw
    assert SampleDraw.objects.get(task=task).drawn_at == at(4, 15)


def test_no_sla_or_no_delivery_means_no_draw(world, engagement, sla, operator):
    set_rate(sla, "1.000")
    advance_task(world.task_bp, TaskStatus.DELIVERED)  # engagement_bp has no SLA
    assert sample_draw_for_delivery(task_id=world.task_bp.pk) is None
    assert sampling_top_up(engagement_id=world.engagement_bp.pk, week_start=date.today()) == []
    ready = make_task(engagement=engagement, status=TaskStatus.IN_PROGRESS)
    assert sample_draw_for_delivery(task_id=ready.pk) is None
    assert sample_draw_for_delivery(task_id=10**9) is None
    assert not SampleDraw.objects.exists()


# --- rates by level ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "normal", "tightened", "reduced"),
    [
        ("0.100", "0.100", "0.250", "0.050"),
        ("0.200", "0.200", "0.400", "0.100"),
        ("0.600", "0.600", "1.000", "0.300"),
        ("0.125", "0.125", "0.250", "0.063"),
        ("0.000", "0.000", "0.250", "0.000"),
    ],
)
def test_rate_by_level(rate, normal, tightened, reduced):
    sla = SLA(sampling_rate=Decimal(rate))
    assert sampling_rate_for(sla=sla, level=SamplingLevel.NORMAL) == Decimal(normal)
    assert sampling_rate_for(sla=sla, level=SamplingLevel.TIGHTENED) == Decimal(tightened)
    assert sampling_rate_for(sla=sla, level=SamplingLevel.REDUCED) == Decimal(reduced)


def test_tightened_sampling_draws_what_normal_sampling_would_not(engagement, sla, operator):
    task = deliver(engagement, operator, at(5))
    u = u_of(task)
    set_rate(sla, three_decimals(u, ROUND_FLOOR))  # normal rate <= u < tightened rate
    assert sample_draw_for_delivery(task_id=task.pk) is None
    record(engagement, REWORK, REWORK)
    assert level_of(engagement) == SamplingLevel.TIGHTENED
    draw = sample_draw_for_delivery(task_id=task.pk)
    sla.refresh_from_db()
    assert draw.level == SamplingLevel.TIGHTENED
    assert draw.rate == sampling_rate_for(sla=sla, level=SamplingLevel.TIGHTENED) > Decimal(u)
    assert "(tightened)" in draw.reason


def test_reduced_sampling_skips_what_normal_sampling_would_draw(engagement, sla, operator):
    task = max((deliver(engagement, operator, at(5, hour)) for hour in (10, 12, 14, 16, 18)), key=u_of)
    u = u_of(task)  # the largest of five: far from 0, so half the rate is below it
    set_rate(sla, three_decimals(u, ROUND_CEILING))  # reduced rate <= u < normal rate
    record(engagement, *[ACCEPT] * 10)
    assert level_of(engagement) == SamplingLevel.REDUCED
    assert sample_draw_for_delivery(task_id=task.pk) is None
    record(engagement, REWORK)
    draw = sample_draw_for_delivery(task_id=task.pk)
    assert draw.level == SamplingLevel.NORMAL and "(normal)" in draw.reason


# --- the weekly minimum --------------------------------------------------------------------------


def test_top_up_draws_the_lowest_u_deliveries_of_the_week_once(engagement, sla, operator):
    # The rate is 0: nothing is drawn on delivery, so the minimum of 3 must be topped up.
    in_week = [deliver(engagement, operator, when) for when in (at(2, 9), at(3), at(4), at(6), at(8, 23, 59))]
    accepted = deliver(engagement, operator, at(5))
    task_transition(
        task=accepted, to=TaskStatus.ACCEPTED, actor=operator, version=accepted.version, at=at(5, 13)
    )
    outside = [deliver(engagement, operator, when) for when in (at(1, 23, 59), at(9, 0))]
    redelivered = deliver(engagement, operator, at(6, 9))  # the delivery to review is next week's
    for when, status in ((at(9, 10), TaskStatus.REWORK_REQUESTED), (at(10, 9), TaskStatus.IN_PROGRESS)):
        task_transition(task=redelivered, to=status, actor=operator, version=redelivered.version, at=when)
    task_transition(
        task=redelivered, to=TaskStatus.DELIVERED, actor=operator, version=redelivered.version, at=at(10)
    )
    drawn_already = deliver(engagement, operator, at(7))
    set_rate(sla, "1.000")
    assert sample_draw_for_delivery(task_id=drawn_already.pk) is not None
    set_rate(sla, "0.000")

    draws = sampling_top_up(engagement_id=engagement.pk, week_start=MONDAY.date(), now=at(12))
    lowest_two = sorted(in_week, key=u_of)[:2]
    assert {draw.task_id for draw in draws} == {task.pk for task in lowest_two}
    assert {draw.reason for draw in draws} == {"drawn to reach the weekly minimum of 3"}
    assert all(draw.drawn_at == at(12) and draw.period_start == date(2026, 3, 1) for draw in draws)
    # Again, from any day of that week: nothing more.
    assert sampling_top_up(engagement_id=engagement.pk, week_start=date(2026, 3, 5), now=at(13)) == []
    assert SampleDraw.objects.filter(engagement=engagement).count() == 3

    # A minimum above the week's deliveries draws every one still awaiting review, and nothing else.
    SLA.objects.filter(pk=sla.pk).update(sampling_minimum_per_week=10)
    more = sampling_top_up(engagement_id=engagement.pk, week_start=MONDAY.date(), now=at(13))
    assert {draw.task_id for draw in more} == {task.pk for task in in_week} - {task.pk for task in lowest_two}
    assert not SampleDraw.objects.filter(task__in=[accepted, redelivered, *outside]).exists()
    next_week = sampling_top_up(engagement_id=engagement.pk, week_start=date(2026, 3, 9), now=at(13))
    assert {draw.task_id for draw in next_week} == {redelivered.pk, outside[1].pk}


def test_top_up_all_covers_the_previous_and_current_week_in_bounded_queries(world, engagement, sla, operator):
    SLA.objects.filter(pk=sla.pk).update(sampling_minimum_per_week=1)
    other = make_engagement(
        client=world.client_b,
        provider=world.provider_p,
        service_line=world.service_line,
        sla=SLAFactory(calendar=sla.calendar, sampling_rate=Decimal("0"), sampling_minimum_per_week=2),
        actor=operator,
    )
    now = at(11, 12)  # Wednesday: weeks of 2 and 9 March
    deliver(engagement, operator, at(1, 12))  # Sunday 1 March: two weeks ago, out of reach
    previous = [deliver(engagement, operator, at(day)) for day in (3, 4)]
    current = [deliver(engagement, operator, at(10))]
    others = [deliver(other, operator, at(day)) for day in (9, 10, 11)]
    advance_task(world.task_bp, TaskStatus.DELIVERED)  # no SLA on engagement_bp

    draws = sampling_top_up_all(now=now)
    by_engagement = {}
    for draw in draws:
        by_engagement.setdefault(draw.engagement_id, set()).add(draw.task_id)
    assert by_engagement[engagement.pk] == {min(previous, key=u_of).pk, current[0].pk}
    assert by_engagement[other.pk] == {task.pk for task in sorted(others, key=u_of)[:2]}
    assert set(by_engagement) == {engagement.pk, other.pk}
    with CaptureQueriesContext(connection) as queries:
        assert sampling_top_up_all(now=now) == []
    assert len(queries) == 2


# --- switching rules -----------------------------------------------------------------------------


def test_two_reworks_in_five_reviews_tighten_sampling(engagement):
    assert record(engagement, REWORK, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REWORK) == []  # the first slid out
    assert level_of(engagement) == SamplingLevel.NORMAL
    (switch,) = record(engagement, ACCEPT, REWORK)
    assert (switch.from_level, switch.to_level) == (SamplingLevel.NORMAL, SamplingLevel.TIGHTENED)
    assert switch.reason == "2 of the last 5 reviews requested rework"
    assert level_of(engagement) == SamplingLevel.TIGHTENED


def test_five_accepted_reviews_return_tightened_sampling_to_normal(engagement):
    record(engagement, REWORK, REWORK)
    assert record(engagement, ACCEPT, ACCEPT, ACCEPT, ACCEPT, REWORK, ACCEPT, ACCEPT, ACCEPT, ACCEPT) == []
    when = datetime(2026, 3, 20, 10, tzinfo=UTC)
    switch = sampling_record_review(engagement_id=engagement.pk, outcome=ACCEPT, at=when)
    assert (switch.from_level, switch.to_level) == (SamplingLevel.TIGHTENED, SamplingLevel.NORMAL)
    assert switch.reason == "5 consecutive accepted reviews at tightened sampling"
    assert switch.switched_at == when
    assert SamplingState.objects.get(engagement=engagement).accepted_streak == 0


def test_ten_accepted_reviews_reduce_normal_sampling(engagement):
    assert record(engagement, *[ACCEPT] * 9) == []
    (switch,) = record(engagement, ACCEPT)
    assert (switch.from_level, switch.to_level) == (SamplingLevel.NORMAL, SamplingLevel.REDUCED)
    assert switch.reason == "10 consecutive accepted reviews at normal sampling"


def test_streaks_count_reviews_at_the_current_level(engagement):
    record(engagement, REWORK, REWORK, *[ACCEPT] * 5)  # tightened, then back to normal
    assert level_of(engagement) == SamplingLevel.NORMAL
    assert record(engagement, *[ACCEPT] * 9) == []  # 14 in a row, but only 9 at normal
    assert [s.to_level for s in record(engagement, ACCEPT)] == [SamplingLevel.REDUCED]


def test_any_rework_returns_reduced_sampling_to_normal(engagement):
    record(engagement, *[ACCEPT] * 10)
    assert record(engagement, *[ACCEPT] * 30) == []  # reduced stays reduced
    (switch,) = record(engagement, REWORK)
    assert (switch.from_level, switch.to_level) == (SamplingLevel.REDUCED, SamplingLevel.NORMAL)
    assert switch.reason == "a review requested rework at reduced sampling"
    state = SamplingState.objects.get(engagement=engagement)
    assert state.recent_outcomes == "A" * 19 + "R"  # the last 20, newest last
    assert SamplingSwitch.objects.filter(engagement=engagement).count() == 2


def test_an_unknown_outcome_is_refused(engagement):
    with pytest.raises(ApplicationError):
        sampling_record_review(engagement_id=engagement.pk, outcome="maybe")
    assert not SamplingState.objects.filter(engagement=engagement).exists()


# --- the SME's queue -----------------------------------------------------------------------------

AWAITING = {
    "client_staff": {"task_ap_ready"},
    "client_sme": {"task_ap_ready"},
    "client_admin": {"task_ap_ready"},
    "other_client_staff": {"task_bp"},
    "provider_manager": set(),
    "provider_analyst": set(),
    "other_provider_manager": set(),
    "consultant_executive": set(),
    "consultant_analyst": set(),
    "consultant_broker": set(),
    "consultant_recruiter": set(),
    "operator": {"task_ap_ready", "task_bp"},
}


@pytest.fixture
def sampled(world):
    """task_ap_ready and task_bp delivered and drawn; task_ap_other delivered but not drawn."""
    set_rate(world.sla, "0.000")
    advance_task(world.task_ap_other, TaskStatus.DELIVERED)
    set_rate(world.sla, "1.000")
    world.engagement_bp.sla = SLAFactory(calendar=world.sla.calendar, sampling_rate=Decimal("1.000"))
    world.engagement_bp.save(update_fields=["sla"])
    for task, drawn_at in ((world.task_bp, at(2)), (world.task_ap_ready, at(3))):
        advance_task(task, TaskStatus.DELIVERED)
        sample_draw_for_delivery(task_id=task.pk, now=drawn_at)
    return world


@pytest.mark.parametrize("persona", list(AWAITING))
def test_only_the_clients_side_sees_the_sample_awaiting_review(sampled, personas, persona):
    names = {getattr(sampled, name).pk: name for name in ("task_ap_ready", "task_ap_other", "task_bp")}
    assert {names[task.pk] for task in sample_awaiting_review(personas[persona])} == AWAITING[persona]


def test_the_queue_is_oldest_draw_first_in_constant_queries(sampled, operator, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        listed = [
            (task.title, task.engagement.client.name, task.sample_draw.level)
            for task in sample_awaiting_review(operator)
        ]
    assert [title for title, _, _ in listed] == ["Trial outcomes digest", "Q3 filings summary"]
    assert list(sample_awaiting_review(AnonymousUser())) == []


def test_a_client_user_sees_only_their_own_clients_sample(sampled, client_sme):
    # Granted a direct look at another client's engagement, the SME still holds no client role on it.
    assign_perm(VIEW_ENGAGEMENT, client_sme, sampled.engagement_bp)
    assert tasks_visible_to(client_sme).filter(pk=sampled.task_bp.pk).exists()
    assert {task.pk for task in sample_awaiting_review(client_sme)} == {sampled.task_ap_ready.pk}


def test_a_review_recorded_outside_the_workflow_also_takes_the_task_off_the_queue(sampled, client_sme):
    QualityReviewFactory(task=sampled.task_ap_ready, reviewer=client_sme, reviewed_at=timezone.now())
    assert list(sample_awaiting_review(client_sme)) == []


def test_a_reviewed_task_leaves_the_queue_and_returns_when_redelivered(sampled, client_sme, provider_manager):
    task = sampled.task_ap_ready
    task.refresh_from_db()
    review_submit(
        task=task, reviewer=client_sme, accuracy_score=Decimal("70"), outcome=REWORK, version=task.version
    )
    assert task.pk not in {t.pk for t in sample_awaiting_review(client_sme)}
    advance_task(task, TaskStatus.DELIVERED, actor=provider_manager)
    assert task.pk in {t.pk for t in sample_awaiting_review(client_sme)}
    task.refresh_from_db()
    review_submit(
        task=task, reviewer=client_sme, accuracy_score=Decimal("99"), outcome=ACCEPT, version=task.version
    )
    assert list(sample_awaiting_review(client_sme)) == []


# --- the overview --------------------------------------------------------------------------------


def test_overview_shows_level_rate_switches_and_this_months_counts(engagement, sla, operator):
    tasks = [deliver(engagement, operator, at(day)) for day in (2, 3, 4)]
    deliver(engagement, operator, datetime(2026, 2, 27, 12, tzinfo=UTC))  # last month
    set_rate(sla, "1.000")
    for task in tasks[:2]:
        sample_draw_for_delivery(task_id=task.pk)
    QualityReviewFactory(task=tasks[0], outcome=ACCEPT, reviewed_at=at(5))
    record(engagement, REWORK, REWORK)
    overview = sampling_overview(engagement, now=at(20))
    assert overview["level"] == SamplingLevel.TIGHTENED and overview["rate"] == Decimal("1.000")
    assert [s.reason for s in overview["switches"]] == ["2 of the last 2 reviews requested rework"]
    assert (overview["month"], overview["delivered"], overview["drawn"], overview["reviewed"]) == (
        date(2026, 3, 1),
        3,
        2,
        1,
    )


def test_overview_of_an_engagement_without_sla_or_history(world):
    overview = sampling_overview(world.engagement_bp, now=at(20))
    assert overview["level"] == SamplingLevel.NORMAL and overview["rate"] is None
    assert (overview["switches"], overview["delivered"], overview["drawn"]) == ([], 0, 0)


def test_overview_reads_in_a_constant_number_of_queries(engagement, sla, operator):
    deliver(engagement, operator, at(2))
    set_rate(sla, "1.000")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            sampling_overview(engagement, now=at(20))
        return len(captured)

    few = queries()
    for day in (3, 4, 5, 6):
        sample_draw_for_delivery(task_id=deliver(engagement, operator, at(day)).pk)
    record(engagement, REWORK, REWORK, *[ACCEPT] * 5, REWORK, REWORK)
    assert queries() == few <= 3
