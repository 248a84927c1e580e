"""One seeding run: the world, each engagement's task history, then the analyst's draft reports."""

from dataclasses import dataclass, field
from datetime import datetime

from engagements.choices import EngagementStatus
from engagements.models import Engagement
from kpo.accounts.models import User

from . import portfolio
from .history import EngagementHistory, HistoryStats, roster_of
from .report_writer import report_write
from .world import WorldBuilder


@dataclass
class SeedOutcome:
    histories: dict[str, HistoryStats] = field(default_factory=dict)
    skipped_histories: list[str] = field(default_factory=list)
    reports_written: int = 0


def seed_demo_world(*, now: datetime) -> SeedOutcome:
    """Create whatever of the demo world is missing; call inside one transaction."""
    outcome = SeedOutcome()
    world = WorldBuilder(now).build()
    # Fresh user objects: role caches (accounts.selectors.user_roles) must see the granted memberships.
    users = {user.email: user for user in User.objects.filter(pk__in=[u.pk for u in world.users.values()])}
    roster = roster_of(users)
    for spec in portfolio.ENGAGEMENTS:
        if not spec["tasks"]:
            continue
        engagement = Engagement.objects.select_related(
            "client", "provider__default_calendar", "sla__calendar"
        ).get(pk=world.engagements[spec["key"]].pk)
        # An engagement that already has tasks keeps its history untouched.
        if engagement.tasks.exists():
            outcome.skipped_histories.append(spec["key"])
            continue
        history = EngagementHistory(
            engagement=engagement,
            spec=spec,
            now=now,
            users=users,
            roster=roster,
            team=world.team,
            joined=world.joined,
        )
        outcome.histories[spec["key"]] = history.run()
    author = users[portfolio.ANALYST]
    for spec in portfolio.ENGAGEMENTS:
        attached = (portfolio.ANALYST, "analyst") in spec["consultants"]
        if attached and spec["status"] == EngagementStatus.ACTIVE:
            engagement = world.engagements[spec["key"]]
            if report_write(engagement=engagement, key=spec["key"], author=author, now=now):
                outcome.reports_written += 1
    return outcome
