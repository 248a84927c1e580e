"""Review sampling: which delivered tasks the client's SMEs review, and how that share adapts.

Levels and rates (ISO 2859-1 style inspection levels, rounded half up to 0.001, the stored precision):
  normal    = the engagement's SLA `sampling_rate` (`engagement.sla`; no SLA, no sampling)
  tightened = min(1, max(2 x rate, 0.25))
  reduced   = rate / 2

The draw is reproducible by hand. A delivered task is in the sample when u < rate, where
  u = int(sha256(f"{engagement_id}:{period}:{task_id}").hexdigest()[:15], 16) / 16**15
and period is the month ("YYYY-MM", in UTC) of the task's latest delivery. The comparison is exact
(integers, no float rounding) and the reason stores u truncated to 4 decimals, so it always reads true:
"drawn at 10% (normal): u=0.0732 < 0.100". A task is drawn at most once (SampleDraw is one-to-one):
drawing again returns the existing draw; a redelivery after rework is drawn only if it never was,
with the period of the redelivery and the level in force then.

The weekly minimum ("at least N a week", SLA.sampling_minimum_per_week): for an ISO week (Monday
00:00 to Monday 00:00, UTC), the tasks delivered that week which have a draw are counted; below N,
the undrawn tasks still awaiting a decision (status delivered, latest delivery in that week) are drawn
in order of lowest u until N. Running it again draws nothing.

Switching rules, per engagement in SamplingState (recent_outcomes: the last 20 reviews, "A"/"R",
newest last, across levels; accepted_streak: consecutive accepted reviews since the level last
changed, so each streak rule counts reviews at the level it leaves):
  normal    -> tightened  when 2 of the last 5 reviews requested rework
  tightened -> normal     after 5 consecutive accepted reviews
  normal    -> reduced    after 10 consecutive accepted reviews
  reduced   -> normal     on any review requesting rework
Every switch is a SamplingSwitch row with the evidence as its reason. No events are published.

Callers: `sample_draw_for_delivery` right after a delivery (inside task_transition's transaction),
`sampling_record_review` inside review_submit's transaction (it uses a savepoint, never on_commit),
`sampling_top_up_all` from a periodic Celery task.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from engagements.choices import ReviewOutcome, TaskEventKind, TaskStatus
from engagements.models import Engagement, QualityReview, Task, TaskEvent
from engagements.selectors import tasks_visible_to
from kpo.accounts.choices import CLIENT_ROLES
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.core.exceptions import ApplicationError

from .choices import SamplingLevel
from .models import SLA, SampleDraw, SamplingState, SamplingSwitch

RATE_STEP = Decimal("0.001")  # SampleDraw.rate has three decimals: decide with the rate we store
TIGHTENED_FLOOR = Decimal("0.25")
U_HEX_DIGITS = 15
U_SCALE = 16**U_HEX_DIGITS
OUTCOMES_KEPT = 20
TIGHTEN_WINDOW, TIGHTEN_REWORKS = 5, 2
TIGHTENED_TO_NORMAL_STREAK = 5
NORMAL_TO_REDUCED_STREAK = 10
OUTCOME_CODE = {ReviewOutcome.ACCEPTED: "A", ReviewOutcome.REWORK: "R"}
RECENT_SWITCHES = 10


# --- the draw ------------------------------------------------------------------------------------


def sampling_rate_for(*, sla: SLA, level: str) -> Decimal:
    """The share of delivered tasks sampled at `level` under `sla`, to 0.001."""
    rate = sla.sampling_rate
    if level == SamplingLevel.TIGHTENED:
        rate = min(Decimal(1), max(2 * rate, TIGHTENED_FLOOR))
    elif level == SamplingLevel.REDUCED:
        rate = rate / 2
    return rate.quantize(RATE_STEP, rounding=ROUND_HALF_UP)


def sample_period(delivered_at: datetime) -> str:
    """The draw's period: the delivery month in UTC, "YYYY-MM"."""
    return delivered_at.astimezone(UTC).strftime("%Y-%m")


def _draw_number(engagement_id: int, period: str, task_id: int) -> int:
    digest = hashlib.sha256(f"{engagement_id}:{period}:{task_id}".encode()).hexdigest()
    return int(digest[:U_HEX_DIGITS], 16)


def sample_u(*, engagement_id: int, period: str, task_id: int) -> float:
    """The task's uniform draw in [0, 1) for that period (for display and tests; decisions are exact)."""
    return _draw_number(engagement_id, period, task_id) / U_SCALE


def _selected(number: int, rate: Decimal) -> bool:
    # number / 16**15 < rate, in integers: rate has three decimals, so no float edge decides a draw.
    return number * 1000 < int(rate * 1000) * U_SCALE


def _draw_reason(number: int, rate: Decimal, level: str) -> str:
    u = f"0.{number * 10**4 // U_SCALE:04d}"  # truncated, so the reason never reads "0.1000 < 0.100"
    return f"drawn at {(rate * 100).normalize():f}% ({level}): u={u} < {rate}"


def _level_of(engagement: Engagement) -> str:
    state = getattr(engagement, "sampling", None)  # a missing reverse one-to-one is an AttributeError
    return state.level if state else SamplingLevel.NORMAL


def _record_draw(task_id, engagement_id, delivered_at, level, rate, reason, now) -> tuple[SampleDraw, bool]:
    # One-to-one with the task: a concurrent or repeated draw finds the first one.
    period_start = _month_start(delivered_at)
    fields = {"engagement_id": engagement_id, "period_start": period_start, "level": level, "rate": rate}
    return SampleDraw.objects.get_or_create(
        task_id=task_id, defaults={**fields, "reason": reason, "drawn_at": now}
    )


def _deliveries():
    return TaskEvent.objects.filter(kind=TaskEventKind.STATUS, to_status=TaskStatus.DELIVERED)


def _last_delivery(task_ref) -> Subquery:
    return Subquery(
        _deliveries().filter(task=task_ref).order_by("-occurred_at", "-id").values("occurred_at")[:1]
    )


def _month_start(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


def sample_draw_for_delivery(*, task_id: int, now: datetime | None = None) -> SampleDraw | None:
    """Draw a just-delivered task into the review sample if its u falls under the level's rate.

    Returns the draw (the existing one when the task was drawn before), or None when the task is not
    selected, not delivered, gone, or its engagement has no SLA. Safe to repeat.
    """
    task = (
        Task.objects.select_related("engagement__sla", "engagement__sampling", "sample_draw")
        .annotate(last_delivered_at=_last_delivery(OuterRef("pk")))
        .filter(pk=task_id)
        .first()
    )
    if task is None or task.status != TaskStatus.DELIVERED or task.engagement.sla is None:
        return None
    if hasattr(task, "sample_draw"):
        return task.sample_draw
    if task.last_delivered_at is None:
        return None
    level = _level_of(task.engagement)
    rate = sampling_rate_for(sla=task.engagement.sla, level=level)
    number = _draw_number(task.engagement_id, sample_period(task.last_delivered_at), task.pk)
    if not _selected(number, rate):
        return None
    reason = _draw_reason(number, rate, level)
    args = (task.engagement_id, task.last_delivered_at, level, rate, reason, now or timezone.now())
    return _record_draw(task.pk, *args)[0]


# --- the weekly minimum --------------------------------------------------------------------------


def _iso_week(day: date) -> tuple[datetime, datetime]:
    monday = datetime.combine(day - timedelta(days=day.weekday()), time.min, tzinfo=UTC)
    return monday, monday + timedelta(days=7)


def sampling_top_up(*, engagement_id: int, week_start: date, now: datetime | None = None) -> list[SampleDraw]:
    """Draw the lowest-u undrawn deliveries of the ISO week containing `week_start` until the SLA's
    weekly minimum is reached; returns the new draws (none when already reached). Idempotent."""
    return _top_up(weeks=[week_start], engagement_id=engagement_id, now=now or timezone.now())


def sampling_top_up_all(*, now: datetime | None = None) -> list[SampleDraw]:
    """The weekly minimum for the previous and the current ISO week of every engagement with an SLA.

    Two reads whatever the number of engagements, plus one get_or_create per draw made."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    return _top_up(weeks=[today - timedelta(days=7), today], engagement_id=None, now=now)


def _top_up(*, weeks: list[date], engagement_id: int | None, now: datetime) -> list[SampleDraw]:
    bounds = [_iso_week(day) for day in weeks]
    in_weeks = Q()
    for start, end in bounds:
        in_weeks |= Q(occurred_at__gte=start, occurred_at__lt=end)
    deliveries = _deliveries().filter(in_weeks, task__engagement__sla__sampling_minimum_per_week__gt=0)
    if engagement_id is not None:
        deliveries = deliveries.filter(task__engagement_id=engagement_id)
    rows = deliveries.annotate(
        drawn=Exists(SampleDraw.objects.filter(task_id=OuterRef("task_id"))),
        last_delivered_at=_last_delivery(OuterRef("task_id")),
    ).values_list(
        "task_id", "task__engagement_id", "task__status", "occurred_at", "drawn", "last_delivered_at"
    )
    # (engagement, week) -> {task_id: (status, drawn, last delivery)}: a task delivered twice counts once.
    weekly: dict[tuple[int, int], dict[int, tuple]] = {}
    for task_id, eng_id, status, occurred_at, drawn, last_at in rows:
        week = next(i for i, (start, end) in enumerate(bounds) if start <= occurred_at < end)
        weekly.setdefault((eng_id, week), {})[task_id] = (status, drawn, last_at)
    if not weekly:
        return []
    engagements = Engagement.objects.select_related("sla", "sampling").in_bulk({key[0] for key in weekly})
    created: list[SampleDraw] = []
    for (eng_id, week), tasks in sorted(weekly.items()):
        engagement = engagements[eng_id]
        minimum = engagement.sla.sampling_minimum_per_week
        missing = minimum - sum(1 for _, drawn, _ in tasks.values() if drawn)
        if missing <= 0:
            continue
        start, end = bounds[week]
        # Still awaiting a decision, and this week's delivery is the one to review (not a later redelivery).
        candidates = sorted(
            (_draw_number(eng_id, sample_period(last_at), task_id), task_id, last_at)
            for task_id, (status, drawn, last_at) in tasks.items()
            if not drawn and status == TaskStatus.DELIVERED and start <= last_at < end
        )
        level = _level_of(engagement)
        rate = sampling_rate_for(sla=engagement.sla, level=level)
        reason = f"drawn to reach the weekly minimum of {minimum}"
        for _number, task_id, last_at in candidates[:missing]:
            draw, was_created = _record_draw(task_id, eng_id, last_at, level, rate, reason, now)
            if was_created:
                created.append(draw)
    return created


# --- switching rules -----------------------------------------------------------------------------


def _next_level(state: SamplingState) -> tuple[str, str]:
    """(level, evidence) after the latest outcome; the current level and no evidence when no rule fires."""
    outcomes, streak = state.recent_outcomes, state.accepted_streak
    if state.level == SamplingLevel.NORMAL:
        window = outcomes[-TIGHTEN_WINDOW:]
        reworks = window.count("R")
        if reworks >= TIGHTEN_REWORKS:
            return SamplingLevel.TIGHTENED, f"{reworks} of the last {len(window)} reviews requested rework"
        if streak >= NORMAL_TO_REDUCED_STREAK:
            return SamplingLevel.REDUCED, f"{streak} consecutive accepted reviews at normal sampling"
    elif state.level == SamplingLevel.TIGHTENED and streak >= TIGHTENED_TO_NORMAL_STREAK:
        return SamplingLevel.NORMAL, f"{streak} consecutive accepted reviews at tightened sampling"
    elif state.level == SamplingLevel.REDUCED and outcomes.endswith("R"):
        return SamplingLevel.NORMAL, "a review requested rework at reduced sampling"
    return state.level, ""


def sampling_record_review(
    *, engagement_id: int, outcome: str, at: datetime | None = None
) -> SamplingSwitch | None:
    """Feed one review outcome ("accepted" or "rework") to the engagement's switching rules.

    Locks the engagement's SamplingState row (created at normal on first use) and returns the
    SamplingSwitch when the level changed. Runs in the caller's transaction (a savepoint only).
    """
    if outcome not in OUTCOME_CODE:
        raise ApplicationError(gettext("Unknown review outcome “%(outcome)s”.") % {"outcome": outcome})
    with transaction.atomic():
        state, _ = SamplingState.objects.select_for_update().get_or_create(engagement_id=engagement_id)
        state.recent_outcomes = (state.recent_outcomes + OUTCOME_CODE[outcome])[-OUTCOMES_KEPT:]
        state.accepted_streak = state.accepted_streak + 1 if outcome == ReviewOutcome.ACCEPTED else 0
        to_level, reason = _next_level(state)
        switch = None
        if to_level != state.level:
            switch = SamplingSwitch.objects.create(
                engagement_id=engagement_id,
                from_level=state.level,
                to_level=to_level,
                reason=reason,
                switched_at=at or timezone.now(),
            )
            # Streaks count reviews at the current level: the next rule starts from zero.
            state.level, state.accepted_streak = to_level, 0
        state.save()
    return switch


# --- reads ---------------------------------------------------------------------------------------


def sample_awaiting_review(user: User) -> QuerySet[Task]:
    """Sampled tasks awaiting the client's review, oldest draw first.

    Sampling is the client's quality control: only users holding a client role in the engagement's
    client (and operators) see this queue; providers and consultants get nothing. "Awaiting" means
    delivered with no review since the latest delivery, so a sampled task returns after rework.
    """
    tasks = tasks_visible_to(user)
    if not is_operator(user):
        organisation = user_organisation(user)
        if organisation is None or not user_roles(user) & CLIENT_ROLES:
            return Task.objects.none()
        tasks = tasks.filter(engagement__client__organisation=organisation)
    reviewed_since = QualityReview.objects.filter(
        task=OuterRef("pk"), reviewed_at__gte=OuterRef("last_delivered_at")
    )
    return (
        tasks.filter(status=TaskStatus.DELIVERED, sample_draw__isnull=False)
        .annotate(last_delivered_at=_last_delivery(OuterRef("pk")))
        .filter(~Exists(reviewed_since))
        .select_related("engagement__client", "engagement__provider", "assignee", "sample_draw")
        .order_by("sample_draw__drawn_at", "pk")
    )


def sampling_overview(engagement: Engagement, *, now: datetime | None = None) -> dict:
    """Where an engagement's sampling stands, in three queries: level, rate, the last switches and this
    month's (UTC) delivered, drawn and reviewed task counts. `engagement` must come from a selector."""
    now = now or timezone.now()
    month = _month_start(now)
    start = datetime.combine(month, time.min, tzinfo=UTC)
    end = datetime.combine((month + timedelta(days=32)).replace(day=1), time.min, tzinfo=UTC)
    fresh = Engagement.objects.select_related("sla", "sampling").get(pk=engagement.pk)
    state, level = getattr(fresh, "sampling", None), _level_of(fresh)
    switches = list(fresh.sampling_switches.order_by("-switched_at", "-id")[:RECENT_SWITCHES])
    delivered = _deliveries().filter(task__engagement=fresh, occurred_at__gte=start, occurred_at__lt=end)
    counts = Task.objects.filter(pk__in=delivered.values("task_id")).aggregate(
        delivered=Count("pk"),
        drawn=Count("pk", filter=Q(sample_draw__isnull=False)),
        reviewed=Count("pk", filter=Exists(QualityReview.objects.filter(task=OuterRef("pk")))),
    )
    return {
        "level": level,
        "level_label": SamplingLevel(level).label,
        "rate": sampling_rate_for(sla=fresh.sla, level=level) if fresh.sla else None,
        "minimum_per_week": fresh.sla.sampling_minimum_per_week if fresh.sla else None,
        "recent_outcomes": state.recent_outcomes if state else "",
        "accepted_streak": state.accepted_streak if state else 0,
        "switches": switches,
        "month": month,
        **counts,
    }
