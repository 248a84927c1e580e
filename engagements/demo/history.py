"""Six months of task history per engagement, written through the real services.

Each task gets a life plan (`lifecycle.LifePlanner`) which is played through `task_create`,
`task_transition` and `review_submit` until "now" (or until the engagement was paused or terminated),
so recent work is still open. The most recent tasks of an active engagement are placed so that each
open status (draft, ready, in progress, on hold, delivered, rework requested) is on show. Effort is
then logged for the work the history shows (`effort.effort_log`).
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from engagements.choices import ConsultantRole, EngagementStatus, TaskStatus
from engagements.models import Engagement, Task
from engagements.services import review_submit, task_create, task_transition
from kpo.accounts.choices import Role
from kpo.accounts.models import Membership, User
from providers.models import TeamMember
from sla.choices import Priority

from . import task_templates
from .catalogue import CLIENT_WEEK
from .clock import WorkClock, calendar_clock
from .effort import effort_log
from .lifecycle import HOUR, NORMAL, Budgets, Cast, LifePlanner, Step, draw_profile

SEED = 2026
S = TaskStatus

# Statuses left on the most recent tasks of each active engagement, so every state is on show.
OPEN_STOPS = [S.READY, S.IN_PROGRESS, S.ON_HOLD, S.DELIVERED, S.REWORK_REQUESTED, S.DRAFT]
PRIORITY_WEIGHTS = [(Priority.P1, 5), (Priority.P2, 25), (Priority.P3, 50), (Priority.P4, 20)]
# Without an SLA (nothing agreed yet), the planner still needs budgets to lay out the work.
DEFAULT_BUDGETS = Budgets(response=4 * HOUR, resolution=24 * HOUR, rework=12 * HOUR)

Roster = dict[tuple[int, str], User]


def roster_of(users: dict[str, User]) -> Roster:
    """(organisation id, role) -> the demo user holding that role there (the first, by email)."""
    roster: Roster = {}
    by_id = {user.pk: user for user in users.values()}
    memberships = Membership.objects.filter(user__in=list(by_id)).order_by("user__email")
    for user_id, organisation_id, role in memberships.values_list("user_id", "organisation_id", "role"):
        roster.setdefault((organisation_id, role), by_id[user_id])
    return roster


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


@dataclass
class HistoryStats:
    tasks: int = 0
    events: int = 0
    reviews: int = 0
    time_entries: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class Draw:
    """What a new task is: its fields for task_create, who raised it and how its life goes."""

    fields: dict
    priority: str
    assignee: TeamMember | None
    creator: User
    profile: str


class EngagementHistory:
    """Generates and plays the task history of one engagement."""

    def __init__(
        self,
        *,
        engagement: Engagement,
        spec: dict,
        now: datetime,
        users: dict[str, User],
        roster: Roster,
        team: dict[tuple[str, str], TeamMember],
        joined: dict[int, datetime],
    ):
        self.engagement = engagement
        self.spec = spec
        self.now = now
        self.theme = task_templates.THEMES[spec["theme"]]
        self.rng = random.Random(f"{SEED}:{spec['key']}")
        self.stats = HistoryStats()
        self.batch = self.theme["batch_start"]
        self.titles: set[str] = set()
        self.pool = [(team[(spec["provider"], name)], weight) for name, weight in spec["pool"]]
        self.joined = joined
        self.stop_at = now + timedelta(days=spec["stop"]) if spec.get("stop") is not None else None
        self.client_clock = WorkClock(
            engagement.client.time_zone, CLIENT_WEEK, holiday_country=engagement.client.country
        )
        self.provider_clock = calendar_clock(engagement.provider.default_calendar)
        sla = engagement.sla
        budgets = dict.fromkeys(Priority.values, DEFAULT_BUDGETS)
        for target in sla.targets.all() if sla else []:
            rework = target.rework_resolution_seconds or target.resolution_seconds / 2
            budgets[target.priority] = Budgets(target.response_seconds, target.resolution_seconds, rework)
        self.cast = self._cast(users, roster)
        self.planner = LifePlanner(
            provider_clock=self.provider_clock,
            client_clock=self.client_clock,
            budgets=budgets,
            sampling_rate=float(sla.sampling_rate) if sla else 0.2,
            rework_rate=spec["rework"],
            hold_reasons=task_templates.HOLD_REASONS[spec["theme"]],
            cast=self.cast,
        )

    def _cast(self, users: dict[str, User], roster: Roster) -> Cast:
        client_org = self.engagement.client.organisation_id
        provider_org = self.engagement.provider.organisation_id
        executives = [
            users[email] for email, role in self.spec["consultants"] if role == ConsultantRole.EXECUTIVE
        ]
        sme = roster[(client_org, Role.CLIENT_SME)]
        analyst = roster.get((provider_org, Role.PROVIDER_ANALYST))
        member = TeamMember.objects.filter(user=analyst).first() if analyst else None
        return Cast(
            creators=[(roster[(client_org, Role.CLIENT_STAFF)], 70), (sme, 15)]
            + [(e, 15) for e in executives],
            manager=roster[(provider_org, Role.PROVIDER_MANAGER)],
            sme=sme,
            canceller=executives[0] if executives else roster[(client_org, Role.CLIENT_ADMIN)],
            analyst=analyst,
            analyst_member_id=member.pk if member else None,
        )

    # --- what a task is ------------------------------------------------------------------------

    def _task_fields(self, rng: random.Random, created: datetime) -> dict:
        quarter = (created.month - 1) // 3
        values = {
            "quarter": f"Q{quarter} {created.year}" if quarter else f"Q4 {created.year - 1}",
            "week": f"{created.isocalendar().week}/{created.isocalendar().year}",
            "year": created.year - 1,
            "month": created.strftime("%B %Y"),
            "n": self.batch,
        }
        for _attempt in range(8):
            title, specification, acceptance, task_type, (low, high) = rng.choice(self.theme["templates"])
            values.update({name: rng.choice(options) for name, options in self.theme["vocab"].items()})
            filled = title.format(**values)
            if filled not in self.titles:
                break
        else:
            filled = f"{filled} (follow-up {len(self.titles)})"
        if "{n}" in title:
            self.batch += 1
        self.titles.add(filled)
        return {
            "title": filled[:200],
            "specification": specification.format(**values),
            "acceptance_criteria": acceptance,
            "task_type": task_type,
            "estimated_hours": max(Decimal(round(rng.uniform(low, high) * 2)) / 2, Decimal(1)),
        }

    def _draw(self, rng: random.Random, created: datetime) -> Draw:
        fields = self._task_fields(rng, created)
        priority = _pick(rng, PRIORITY_WEIGHTS)
        # Hires only get work once they have joined.
        pool = [(m, w) for m, w in self.pool if self.joined.get(m.pk, created) <= created]
        assignee = _pick(rng, pool) if pool else None
        creator = _pick(rng, self.cast.creators)
        profile = draw_profile(rng)
        if rng.random() < 0.3:
            resolution = self.planner.budgets[priority].resolution
            due = self.client_clock.add(created, resolution * 1.6).replace(minute=0, second=0, microsecond=0)
            fields["contractual_due_at"] = due + timedelta(hours=1)
        return Draw(fields, priority, assignee, creator, profile)

    def _jitter(self, rng: random.Random, at: datetime) -> datetime:
        return at.replace(microsecond=0) + timedelta(seconds=rng.randint(0, 59))

    def _creation_times(self) -> list[datetime]:
        spec, now, clock = self.spec, self.now, self.client_clock
        start = datetime.combine(self.engagement.start_date, datetime.min.time(), tzinfo=now.tzinfo)
        start = max(start, now - timedelta(days=180)) + timedelta(days=1)
        if self.engagement.status == EngagementStatus.COMPLETED:
            end = datetime.combine(self.engagement.end_date, datetime.min.time(), tzinfo=now.tzinfo)
            end -= timedelta(days=20)
        else:
            end = self.stop_at or now - timedelta(days=2)
        working = clock.between(start, end)
        # Volumes grow as the engagement earns trust: later weeks carry more tasks. Offsets are in the
        # client's working time, so requests are raised during its office hours.
        offsets = [working * (self.rng.random() ** 0.75) for _ in range(spec["tasks"])]
        if self.stop_at is not None:
            # Work was in flight when the engagement stopped: the last tasks start days before.
            offsets.sort()
            offsets[-3:] = [working - self.rng.uniform(0.1, 2.5) * 9.5 * HOUR for _ in range(3)]
        return [clock.add(start, offset) for offset in sorted(offsets)]

    # --- playing it ----------------------------------------------------------------------------

    def run(self) -> HistoryStats:
        count = self.spec["tasks"]
        stops: dict[int, str] = {}
        if self.engagement.status == EngagementStatus.ACTIVE:
            open_stops = list(OPEN_STOPS)
            self.rng.shuffle(open_stops)
            stops = {count - len(open_stops) + i: stop for i, stop in enumerate(open_stops)}
        elif self.engagement.status == EngagementStatus.NEGOTIATING:
            stops = dict.fromkeys(range(count), S.DRAFT)
        created_times = self._creation_times()
        for index in range(count):
            rng = random.Random(f"{SEED}:{self.spec['key']}:{index}")
            if index in stops:
                task = self._recent_task(rng, index, stops[index])
            else:
                task = self._task(rng, index, created_times[index])
            self.stats.by_status[task.status] = self.stats.by_status.get(task.status, 0) + 1
        return self.stats

    def _plan(self, index: int, draw: Draw, created: datetime, profile: str, **force: bool) -> list[Step]:
        # Same draws for the same task whatever its creation time, so retries stay reproducible.
        rng = random.Random(f"{SEED}:{self.spec['key']}:{index}:plan")
        return self.planner.plan(
            rng,
            created=created,
            priority=draw.priority,
            profile=profile,
            task_type=draw.fields["task_type"],
            assignee=draw.assignee,
            releaser=draw.creator,
            **force,
        )

    def _create(self, draw: Draw, created: datetime, *, assignee: TeamMember | None) -> Task:
        task = task_create(
            engagement=self.engagement,
            actor=draw.creator,
            at=created,
            priority=draw.priority,
            assignee=assignee,
            **draw.fields,
        )
        self.stats.tasks += 1
        self.stats.events += 1
        return task

    def _play(
        self, task: Task, steps: list[Step], created: datetime, cutoff: datetime
    ) -> list[tuple[Step, datetime]]:
        """Apply the steps dated before `cutoff`; returns them with the instants actually used."""
        played, last = [], created
        for step in steps:
            if step.at >= cutoff:
                break
            last = max(step.at, last + timedelta(seconds=45))  # strictly after the previous event
            if step.review:
                review_submit(task=task, reviewer=step.actor, version=task.version, at=last, **step.review)
                self.stats.reviews += 1
            else:
                task_transition(
                    task=task, to=step.to, actor=step.actor, version=task.version, note=step.note, at=last
                )
            self.stats.events += 1
            played.append((step, last))
        return played

    def _log_effort(self, task: Task, rng: random.Random, played: list, until: datetime) -> None:
        self.stats.time_entries += effort_log(
            task=task,
            rng=rng,
            clock=self.provider_clock,
            played=played,
            assignee=task.assignee,
            manager=self.cast.manager,
            until=until,
        )

    def _task(self, rng: random.Random, index: int, created: datetime) -> Task:
        """A task raised at `created` that lives its plan until now or until the engagement stopped."""
        created = self._jitter(rng, created)
        draw = self._draw(rng, created)
        steps = self._plan(index, draw, created, draw.profile)
        cutoff = min(self.now, self.stop_at) if self.stop_at else self.now
        task = self._create(draw, created, assignee=draw.assignee)
        played = self._play(task, steps, created, cutoff)
        if self.stop_at is not None and task.status not in (S.ACCEPTED, S.CANCELLED):
            self._interrupt(task, rng, played[-1][1] if played else created, draw.assignee)
        self._log_effort(task, rng, played, cutoff)
        return task

    def _interrupt(self, task: Task, rng: random.Random, last: datetime, assignee: TeamMember | None) -> None:
        """The engagement stopped: terminated engagements cancel open work, paused ones put it on hold."""
        note = self.spec["stop_note"]
        at = max(self.provider_clock.align(self.stop_at), last) + timedelta(minutes=rng.randint(5, 50))
        if self.engagement.status == EngagementStatus.TERMINATED:
            task_transition(
                task=task, to=S.CANCELLED, actor=self.cast.canceller, version=task.version, note=note, at=at
            )
            self.stats.events += 1
            return
        worker = self.planner.worker(rng, assignee)
        if task.status in (S.READY, S.REWORK_REQUESTED):
            task_transition(task=task, to=S.IN_PROGRESS, actor=worker, version=task.version, at=at)
            at += timedelta(minutes=rng.randint(10, 40))
            self.stats.events += 1
        if task.status == S.IN_PROGRESS:
            task_transition(task=task, to=S.ON_HOLD, actor=worker, version=task.version, note=note, at=at)
            self.stats.events += 1

    def _recent_task(self, rng: random.Random, index: int, stop: str) -> Task:
        """A recent task left in `stop`: its creation moves back until its plan reaches `stop` before now."""
        clock = self.client_clock
        # Candidates step back in the client's working time, so weekends and holidays are skipped.
        anchor = self.now - timedelta(days=60)
        working = clock.between(anchor, self.now)
        back = rng.uniform(1, 5) * HOUR

        def created_at(back_seconds: float) -> datetime:
            return self._jitter(rng, clock.add(anchor, max(working - back_seconds, 0)))

        created = created_at(back)
        draw = self._draw(rng, created)
        if stop == S.DRAFT:
            # Still being written up by the client: nobody assigned yet.
            return self._create(draw, created, assignee=None)
        force = {"force_hold": stop == S.ON_HOLD, "force_rework": stop == S.REWORK_REQUESTED}
        for attempt in range(60):
            steps = self._plan(index, draw, created, NORMAL, **force)
            upto = next(i for i, step in enumerate(steps) if step.to == stop)
            if steps[upto].at < self.now - timedelta(minutes=20):
                break
            back += (2 + attempt) * HOUR
            created = created_at(back)
        task = self._create(draw, created, assignee=draw.assignee)
        played = self._play(task, steps[: upto + 1], created, self.now)
        self._log_effort(task, rng, played, self.now)
        return task
