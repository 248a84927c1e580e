"""A task's life plan: who moves it, when, and how the client's review turns out.

Waits are drawn as shares of the SLA budgets and laid out in the working time of the side that acts:
the client releases and reviews in its office hours, the provider responds and works in its calendar's
hours. Most tasks respond and resolve inside their budgets; "late" tasks overrun; some are put on hold
waiting on the client; a few are sent back for rework, then re-delivered and accepted.
"""

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from engagements.choices import DefectType, ReviewOutcome, TaskStatus
from kpo.accounts.models import User
from providers.models import TeamMember

from . import task_templates
from .clock import WorkClock

HOUR = 3600.0
S = TaskStatus

# How a task's life goes, before anything (now, a paused engagement) interrupts it.
NORMAL, LATE = "normal", "late"
CANCELLED_WHEN_READY, CANCELLED_IN_PROGRESS, CANCELLED_AS_DRAFT = (
    "cancel_ready",
    "cancel_in_progress",
    "cancel_draft",
)
# Cumulative probabilities of each profile for a task drawn at random.
PROFILE_ODDS = [
    (0.025, CANCELLED_WHEN_READY),
    (0.04, CANCELLED_IN_PROGRESS),
    (0.055, CANCELLED_AS_DRAFT),
    (0.14, LATE),
    (1.0, NORMAL),
]

ACCEPT_FINDINGS = [
    "",
    "",
    "No issues found.",
    "Well structured and fully sourced.",
    "Accurate; good judgement on the borderline items.",
    "Clear, concise and on template.",
]


def draw_profile(rng: random.Random) -> str:
    draw = rng.random()
    return next(profile for limit, profile in PROFILE_ODDS if draw < limit)


@dataclass
class Step:
    """One planned status change; `review` holds review_submit's arguments when the SME reviews."""

    to: str
    at: datetime
    actor: User
    note: str = ""
    review: dict | None = None


@dataclass
class Cast:
    """Who acts on an engagement's tasks."""

    creators: list[tuple[User, int]]  # weighted: client staff mostly, the SME, the executive consultant
    manager: User
    sme: User
    canceller: User  # the executive consultant when attached, else the client admin
    analyst: User | None = None  # a provider analyst with a login, acting on tasks assigned to them
    analyst_member_id: int | None = None


@dataclass
class Budgets:
    """An SLA target for one priority, in business seconds."""

    response: float
    resolution: float
    rework: float


def review_arguments(rng: random.Random, outcome: str, *, after_rework: bool = False) -> dict:
    """Arguments for review_submit: scores mostly 97.5-100, lower with defects when rework is asked."""
    defects: dict[str, int] = {}
    if outcome == ReviewOutcome.REWORK:
        score = rng.uniform(76, 92)
        # Rework is asked for substance; presentation issues only ever come on top.
        kinds = [rng.choice([DefectType.FACTUAL_ERROR, DefectType.MISSED_SOURCE, DefectType.INCOMPLETE])]
        if rng.random() < 0.35:
            kinds.append(rng.choice([DefectType.FORMATTING, DefectType.LATE_CLARIFICATION]))
        defects = {kind: rng.choice([1, 1, 2, 3]) for kind in kinds}
        findings = " ".join(rng.choice(task_templates.DEFECT_FINDINGS[kind]) for kind in kinds)
    elif after_rework:
        score, findings = rng.uniform(96, 100), "Corrections verified; the earlier issues are resolved."
    elif rng.random() < 0.12:
        score = rng.uniform(92, 97.5)
        kind = rng.choice([DefectType.FORMATTING, DefectType.MISSED_SOURCE])
        defects = {kind: 1}
        findings = "Accepted with a minor point: " + rng.choice(task_templates.DEFECT_FINDINGS[kind])
    else:
        score, findings = rng.uniform(97.5, 100), rng.choice(ACCEPT_FINDINGS)
    rounded = Decimal(str(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {
        "accuracy_score": min(rounded, Decimal("100.0")),
        "outcome": outcome,
        "findings": findings,
        "defects": defects,
    }


class LifePlanner:
    """Plans task lives for one engagement."""

    def __init__(
        self,
        *,
        provider_clock: WorkClock,
        client_clock: WorkClock,
        budgets: dict[str, Budgets],
        sampling_rate: float,
        rework_rate: float,
        hold_reasons: list[str],
        cast: Cast,
    ):
        self.provider_clock = provider_clock
        self.client_clock = client_clock
        self.budgets = budgets
        self.sampling_rate = sampling_rate
        self.rework_rate = rework_rate
        self.hold_reasons = hold_reasons
        self.cast = cast

    def worker(self, rng: random.Random, assignee: TeamMember | None) -> User:
        """The analyst moves most of their own tasks; the provider manager moves the rest."""
        if assignee is not None and assignee.pk == self.cast.analyst_member_id and rng.random() < 0.7:
            return self.cast.analyst
        return self.cast.manager

    def plan(
        self,
        rng: random.Random,
        *,
        created: datetime,
        priority: str,
        profile: str,
        task_type: str,
        assignee: TeamMember | None,
        releaser: User,
        force_hold: bool = False,
        force_rework: bool = False,
    ) -> list[Step]:
        """The task's whole life from its creation, as if nothing stopped it."""
        provider, client = self.provider_clock, self.client_clock
        if profile == CANCELLED_AS_DRAFT:
            at = client.add(created, rng.uniform(0.5, 6) * HOUR)
            return [Step(S.CANCELLED, at, releaser, rng.choice(task_templates.DRAFT_CANCEL_REASONS))]
        # Most requests are released at once; some wait for the scope to be confirmed.
        if rng.random() < 0.8:
            ready = Step(S.READY, client.add(created, rng.uniform(5, 90) * 60), releaser)
        else:
            at = client.add(created, rng.uniform(6, 14) * HOUR)
            ready = Step(S.READY, at, releaser, "Released after the scope was confirmed.")
        steps = [ready]
        if profile == CANCELLED_WHEN_READY:
            return [*steps, self._cancel(rng, client.add(ready.at, rng.uniform(1, 20) * HOUR))]

        budget = self.budgets[priority]
        late = profile == LATE
        response = budget.response * (
            rng.uniform(1.3, 3.0) if late and rng.random() < 0.6 else rng.uniform(0.05, 0.8)
        )
        started_at = provider.add(ready.at, response)
        worker = self.worker(rng, assignee)
        who = assignee.full_name.split(" ")[0] if assignee else "the team"
        steps.append(Step(S.IN_PROGRESS, started_at, worker, f"Picked up by {who}."))
        if profile == CANCELLED_IN_PROGRESS:
            return [*steps, self._cancel(rng, client.add(started_at, rng.uniform(2, 16) * HOUR))]

        # Resolution = response + work (holds excluded), as a share of the resolution budget.
        work = max(
            budget.resolution * (rng.uniform(1.15, 2.0) if late else rng.uniform(0.35, 0.92)) - response, 1800
        )
        if force_hold or rng.random() < (0.3 if late else 0.15):
            before = work * rng.uniform(0.15, 0.6)
            hold_at = provider.add(started_at, before)
            steps.append(Step(S.ON_HOLD, hold_at, worker, rng.choice(self.hold_reasons)))
            answered = client.add(hold_at, rng.uniform(0.5, 16) * HOUR)
            resumed_at = provider.add(answered, rng.uniform(5, 45) * 60)
            steps.append(Step(S.IN_PROGRESS, resumed_at, worker, "Resumed: the client answered."))
            delivered_at = provider.add(resumed_at, work - before)
        else:
            delivered_at = provider.add(started_at, work)
        delivery_note = rng.choice(task_templates.DELIVERY_NOTES[task_type])
        steps.append(Step(S.DELIVERED, delivered_at, worker, delivery_note))
        steps += self._review_steps(rng, delivered_at, worker, budget, late=late, force_rework=force_rework)
        return steps

    def _cancel(self, rng: random.Random, at: datetime) -> Step:
        return Step(S.CANCELLED, at, self.cast.canceller, rng.choice(task_templates.CANCEL_REASONS))

    def _review_steps(
        self,
        rng: random.Random,
        delivered_at: datetime,
        worker: User,
        budget: Budgets,
        *,
        late: bool,
        force_rework: bool,
    ) -> list[Step]:
        provider, client, sme = self.provider_clock, self.client_clock, self.cast.sme
        reviewed_at = client.add(delivered_at, rng.uniform(1, 24) * HOUR)
        if force_rework or rng.random() < self.rework_rate * (2.5 if late else 1):
            review = review_arguments(rng, ReviewOutcome.REWORK)
            restarted_at = provider.add(reviewed_at, rng.uniform(0.25, 3) * HOUR)
            redelivered_at = provider.add(restarted_at, rng.uniform(0.15, 0.9) * budget.rework)
            accepted_at = client.add(redelivered_at, rng.uniform(1, 20) * HOUR)
            second = review_arguments(rng, ReviewOutcome.ACCEPTED, after_rework=True)
            return [
                Step(S.REWORK_REQUESTED, reviewed_at, sme, review["findings"], review),
                Step(S.IN_PROGRESS, restarted_at, worker, "Rework started."),
                Step(S.DELIVERED, redelivered_at, worker, "Re-delivered with the corrections."),
                Step(S.ACCEPTED, accepted_at, sme, second["findings"], second),
            ]
        # Sampling: a share of deliveries gets a scored quality review; the rest are simply accepted.
        if rng.random() < self.sampling_rate:
            review = review_arguments(rng, ReviewOutcome.ACCEPTED)
            return [Step(S.ACCEPTED, reviewed_at, sme, review["findings"], review)]
        return [Step(S.ACCEPTED, reviewed_at, sme, "Accepted.")]
