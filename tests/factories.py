"""factory_boy factories for the foundation's models.

Engagements and tasks are never made with `objects.create`: `make_engagement` and `make_task` go through
the services, which grant the guardian permissions and write the first task event. `advance_task` walks a
task along the status machine by legal moves.
"""

import itertools
from collections import deque
from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from engagements.choices import TASK_TRANSITIONS
from engagements.models import Engagement, QualityReview, Task
from engagements.services import engagement_create, task_create, task_transition
from kpo.accounts.choices import OrganisationKind
from kpo.accounts.models import Organisation, User
from kpo.accounts.services import membership_grant
from providers.choices import CandidateSource, CandidateStage, CertificationStandard, StaffRole
from providers.models import (
    Candidate,
    Certification,
    Provider,
    RateCard,
    RateCardEntry,
    ServiceLine,
    TeamMember,
)
from reports.models import RecommendationReport
from sla.choices import Priority
from sla.models import SLA, BusinessCalendar, SLATarget, WorkingInterval

# Every factory-made user logs in with this password (tests/conftest.py uses a fast hasher).
PASSWORD = "correct-horse-battery-staple"

# Response / resolution budgets in business seconds per priority, for SLAFactory's default targets.
DEFAULT_SLA_TARGETS = {
    Priority.P1: (1 * 3600, 8 * 3600),
    Priority.P2: (2 * 3600, 16 * 3600),
    Priority.P3: (4 * 3600, 40 * 3600),
    Priority.P4: (8 * 3600, 80 * 3600),
}


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = Password(PASSWORD)
    time_zone = "UTC"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.CLIENT


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = "engagements.Client"

    name = factory.Sequence(lambda n: f"Client {n}")
    organisation = factory.SubFactory(
        OrganisationFactory, name=factory.SelfAttribute("..name"), kind=OrganisationKind.CLIENT
    )
    industry = "Banking"
    country = "FR"
    time_zone = "Europe/Paris"
    in_house_hourly_cost = Decimal("95.00")
    currency = "EUR"


class ServiceLineFactory(DjangoModelFactory):
    class Meta:
        model = ServiceLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-line-{n}")
    name = factory.Sequence(lambda n: f"Service line {n}")


class WorkingIntervalFactory(DjangoModelFactory):
    class Meta:
        model = WorkingInterval

    weekday = 0
    start_minute = 9 * 60
    end_minute = 17 * 60


class BusinessCalendarFactory(DjangoModelFactory):
    """A calendar working Monday to Friday, 09:00-17:00 local time (pass `week=False` for an empty one)."""

    class Meta:
        model = BusinessCalendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Asia/Kolkata"
    holiday_country = ""

    @factory.post_generation
    def week(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for weekday in range(5):
            WorkingIntervalFactory(calendar=self, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    organisation = factory.SubFactory(
        OrganisationFactory, name=factory.SelfAttribute("..name"), kind=OrganisationKind.PROVIDER
    )
    country = "IN"
    time_zone = "Asia/Kolkata"
    languages = "English, Hindi"
    headcount = 120
    default_calendar = factory.SubFactory(
        BusinessCalendarFactory, time_zone=factory.SelfAttribute("..time_zone")
    )


class TeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = TeamMember

    provider = factory.SubFactory(ProviderFactory)
    full_name = factory.Faker("name")
    role = StaffRole.ANALYST
    skills = "financial analysis, Excel"


class CertificationFactory(DjangoModelFactory):
    class Meta:
        model = Certification

    provider = factory.SubFactory(ProviderFactory)
    standard = CertificationStandard.ISO_27001
    issued_on = date(2024, 1, 1)
    expires_on = date(2027, 1, 1)


class SLATargetFactory(DjangoModelFactory):
    class Meta:
        model = SLATarget

    priority = Priority.P3
    response_seconds = 4 * 3600
    resolution_seconds = 40 * 3600


class SLAFactory(DjangoModelFactory):
    """An SLA with a target for every priority (pass `targets=False` for none, or a {priority: (resp, res)})."""

    class Meta:
        model = SLA
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"SLA {n}")
    calendar = factory.SubFactory(BusinessCalendarFactory)
    effective_from = date(2025, 1, 1)

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        budgets = extracted if isinstance(extracted, dict) else DEFAULT_SLA_TARGETS
        for priority, (response, resolution) in budgets.items():
            SLATargetFactory(
                sla=self, priority=priority, response_seconds=response, resolution_seconds=resolution
            )


class RateCardFactory(DjangoModelFactory):
    class Meta:
        model = RateCard

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Rate card {n}")
    currency = "EUR"
    valid_from = date(2024, 1, 1)
    valid_until = None


class RateCardEntryFactory(DjangoModelFactory):
    class Meta:
        model = RateCardEntry

    rate_card = factory.SubFactory(RateCardFactory)
    role = StaffRole.ANALYST
    hourly_rate = Decimal("40.00")


class CandidateFactory(DjangoModelFactory):
    class Meta:
        model = Candidate

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")
    skills = "legal research"
    education = "LLB"
    source = CandidateSource.REFERRAL
    stage = CandidateStage.SOURCED
    provider = factory.SubFactory(ProviderFactory)


_engagement_numbers = itertools.count(1)
_task_numbers = itertools.count(1)


def make_member(organisation: Organisation, role: str, **user_fields) -> User:
    """A user holding `role` in `organisation`, granted through membership_grant (which adds the org group)."""
    user = UserFactory(**user_fields)
    membership_grant(user=user, organisation=organisation, role=role)
    return user


def make_engagement(
    *,
    client=None,
    provider=None,
    title: str | None = None,
    service_line=None,
    scope: str = "Quarterly financial analysis of the client's listed peers.",
    start_date: date = date(2025, 1, 6),
    budget: Decimal = Decimal("120000.00"),
    currency: str = "EUR",
    actor=None,
    **fields,
) -> Engagement:
    """An engagement made through engagements.services.engagement_create (which grants the permissions)."""
    return engagement_create(
        client=client or ClientFactory(),
        provider=provider or ProviderFactory(),
        title=title or f"Engagement {next(_engagement_numbers)}",
        service_line=service_line or ServiceLineFactory(),
        scope=scope,
        start_date=start_date,
        budget=budget,
        currency=currency,
        actor=actor,
        **fields,
    )


def make_task(
    *,
    engagement: Engagement | None = None,
    title: str | None = None,
    specification: str = "Summarise the last four quarterly filings.",
    actor=None,
    status: str | None = None,
    **fields,
) -> Task:
    """A task made through engagements.services.task_create; `status` then walks it there (as an operator)."""
    task = task_create(
        engagement=engagement or make_engagement(),
        title=title or f"Task {next(_task_numbers)}",
        specification=specification,
        actor=actor,
        **fields,
    )
    if status is not None and status != task.status:
        advance_task(task, status)
    return task


def status_path(from_status: str, to_status: str) -> list[str]:
    """The shortest list of statuses leading from one status to another by legal moves (excluding the start)."""
    previous: dict[str, str | None] = {from_status: None}
    queue = deque([from_status])
    while queue:
        current = queue.popleft()
        if current == to_status:
            path = []
            while current != from_status:
                path.append(current)
                current = previous[current]
            return list(reversed(path))
        for nxt in TASK_TRANSITIONS[current]:
            if nxt not in previous:
                previous[nxt] = current
                queue.append(nxt)
    raise ValueError(f"No legal path from {from_status} to {to_status}.")


def advance_task(task: Task, to_status: str, *, actor: User | None = None) -> Task:
    """Move a task to `to_status` by legal transitions, as an operator unless an actor is given."""
    actor = actor or UserFactory(email="path-operator@example.com", is_staff=True)
    task.refresh_from_db()
    for status in status_path(task.status, to_status):
        task_transition(task=task, to=status, actor=actor, version=task.version, note=f"to {status}")
    return task


class RecommendationReportFactory(DjangoModelFactory):
    class Meta:
        model = RecommendationReport

    engagement = factory.LazyFunction(make_engagement)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Recommendation report {n}")
    period_start = date(2025, 1, 1)
    period_end = date(2025, 3, 31)
    executive_summary = "Delivery is on time; accuracy sampling should double."


class QualityReviewFactory(DjangoModelFactory):
    """A review row written directly (for read tests); reviews in workflows go through review_submit."""

    class Meta:
        model = QualityReview

    task = factory.LazyFunction(make_task)
    reviewer = factory.SubFactory(UserFactory)
    accuracy_score = Decimal("92.50")
    outcome = "accepted"
    reviewed_at = factory.LazyFunction(timezone.now)


__all__ = [
    "PASSWORD",
    "BusinessCalendarFactory",
    "CandidateFactory",
    "CertificationFactory",
    "ClientFactory",
    "OrganisationFactory",
    "ProviderFactory",
    "QualityReviewFactory",
    "RateCardEntryFactory",
    "RateCardFactory",
    "RecommendationReportFactory",
    "SLAFactory",
    "SLATargetFactory",
    "ServiceLineFactory",
    "TeamMemberFactory",
    "UserFactory",
    "WorkingIntervalFactory",
    "advance_task",
    "make_engagement",
    "make_member",
    "make_task",
    "status_path",
]
