"""`manage.py seed_demo`: the demo world is complete, realistic, isolated per client and idempotent.

Seeding takes tens of seconds, so the module seeds once (`seeded`, with DEBUG off and `--force`, which
is itself under test) inside a transaction rolled back when the module ends; each test runs in a
savepoint of it. Nothing here depends on conftest fixtures.
"""

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from engagements.choices import EngagementStatus, ReviewOutcome, TaskStatus
from engagements.models import (
    Client,
    ClientContact,
    Engagement,
    EngagementConsultant,
    EngagementGroupObjectPermission,
    EngagementUserObjectPermission,
    QualityReview,
    ReviewDefect,
    Task,
    TaskEvent,
    TimeEntry,
)
from engagements.selectors import engagements_visible_to, tasks_visible_to
from kpo.accounts.models import Membership, Organisation, User
from kpo.core.models import AuditLog
from kpo.events.models import DomainEvent, Notification
from providers.choices import CandidateStage, StaffRole
from providers.models import (
    Candidate,
    Certification,
    Consultant,
    Provider,
    ProviderSite,
    RateCard,
    RateCardEntry,
    ServiceLine,
    TeamMember,
)
from reports.choices import ReportStatus
from reports.models import Finding, Recommendation, RecommendationReport
from sla.models import SLA, BusinessCalendar, CalendarException, KpiTarget, SLATarget, WorkingInterval

DEMO_PASSWORD = "kpo-demo"
SEEDED_MODELS = [
    User,
    Group,
    Organisation,
    Membership,
    Client,
    ClientContact,
    ServiceLine,
    Provider,
    ProviderSite,
    Certification,
    RateCard,
    RateCardEntry,
    TeamMember,
    Consultant,
    Candidate,
    BusinessCalendar,
    WorkingInterval,
    CalendarException,
    SLA,
    SLATarget,
    KpiTarget,
    Engagement,
    EngagementConsultant,
    EngagementGroupObjectPermission,
    EngagementUserObjectPermission,
    Task,
    TaskEvent,
    QualityReview,
    ReviewDefect,
    TimeEntry,
    RecommendationReport,
    Finding,
    Recommendation,
    DomainEvent,
    Notification,
    AuditLog,
]
DEMO_LOGINS = [
    "client.staff@demo.kpo",
    "client.sme@demo.kpo",
    "client2.staff@demo.kpo",
    "provider.manager@demo.kpo",
    "provider.analyst@demo.kpo",
    "provider2.manager@demo.kpo",
    "consultant.exec@demo.kpo",
    "consultant.analyst@demo.kpo",
    "consultant.broker@demo.kpo",
    "consultant.recruiter@demo.kpo",
    "admin@demo.kpo",
]


MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # authentication below checks hashes: keep it fast


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = MD5


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every model the command touches, so a second run can be compared field by field."""
    return {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in SEEDED_MODELS}


@pytest.mark.django_db
def test_refuses_without_debug_unless_forced(settings):
    """Runs first, on the empty database: the refusal writes nothing."""
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = MD5

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not Engagement.objects.exists() and not User.objects.exists()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo world, seeded once for the module by `seed_demo --force` with DEBUG off; its output."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=False, PASSWORD_HASHERS=MD5),
        transaction.atomic(),
    ):
        output = seed("--force")
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_second_run_creates_and_changes_nothing(seeded, debug_on):
    first = snapshot()

    output = seed()

    second = snapshot()
    assert {label: len(rows) for label, rows in second.items()} == {
        label: len(rows) for label, rows in first.items()
    }
    for label in first:
        assert second[label] == first[label], f"{label} changed on the second run"
    assert len(first["engagements.EngagementGroupObjectPermission"]) >= 2 * len(
        first["engagements.Engagement"]
    )
    assert first["engagements.EngagementUserObjectPermission"]
    # The summary reports nothing added.
    added = [line for line in output.splitlines() if "(+" in line]
    assert added and all(line.rstrip().endswith("(+0)") for line in added)


@pytest.mark.django_db
def test_demo_world_has_what_the_demo_needs(seeded, debug_on):
    output = seeded
    now = timezone.now()

    # Clients and providers.
    assert Client.objects.count() >= 3
    assert {c.country for c in Client.objects.all()} >= {"GB", "DE", "CH"}
    providers = {p.country: p for p in Provider.objects.select_related("default_calendar")}
    assert set(providers) == {"IN", "PH", "CZ", "IE"}
    assert providers["IN"].time_zone == "Asia/Kolkata" and providers["PH"].time_zone == "Asia/Manila"
    assert providers["CZ"].time_zone == "Europe/Prague" and providers["IE"].time_zone == "Europe/Dublin"
    for country, provider in providers.items():
        calendar = provider.default_calendar
        assert calendar.time_zone == provider.time_zone and calendar.holiday_country == country
        assert set(calendar.intervals.values_list("weekday", flat=True)) == {0, 1, 2, 3, 4}
        assert 4 <= provider.team_members.count() <= 8
        assert provider.sites.exists() and provider.service_lines.exists()
        entries = RateCardEntry.objects.filter(rate_card__provider=provider)
        assert set(entries.values_list("role", flat=True)) == set(StaffRole.values)
    manila = providers["PH"].default_calendar.intervals.filter(weekday=0).order_by("start_minute")
    assert [(i.start_hhmm, i.end_hhmm) for i in manila] == [("08:00", "12:00"), ("13:00", "17:00")]
    today = now.date()
    assert Certification.objects.filter(expires_on__lt=today).count() == 1
    assert Certification.objects.filter(
        expires_on__gte=today, expires_on__lte=today + timedelta(days=60)
    ).exists()
    assert ServiceLine.objects.count() >= 7

    # Engagements: every lifecycle status, SLAs where work was delivered.
    engagements = list(Engagement.objects.select_related("client", "provider", "sla"))
    assert len(engagements) >= 12
    assert len({e.status for e in engagements}) >= 5
    for engagement in engagements:
        if engagement.status in {
            EngagementStatus.ACTIVE,
            EngagementStatus.ON_HOLD,
            EngagementStatus.COMPLETED,
        }:
            assert engagement.sla is not None, engagement
            assert engagement.sla.targets.count() == 4 and engagement.sla.kpi_targets.count() == 5
    law_firm, insurer = Client.objects.get(country="GB"), Client.objects.get(country="DE")
    india, philippines = providers["IN"], providers["PH"]
    assert Engagement.objects.filter(client=law_firm, provider=india).count() >= 2
    assert Engagement.objects.filter(client=law_firm).exclude(provider=india).exists()
    assert Engagement.objects.filter(client=insurer, provider=india).exists()
    assert Engagement.objects.filter(client=insurer, provider=philippines).exists()
    assert Engagement.objects.filter(is_proof_of_concept=True).exists()

    # Tasks: a few hundred, every status, reworked ones, in the past six months, strictly ordered events.
    assert Task.objects.count() >= 200
    assert set(Task.objects.values_list("status", flat=True)) == set(TaskStatus.values)
    reworked = Task.objects.filter(events__to_status=TaskStatus.REWORK_REQUESTED).distinct()
    assert reworked.count() >= 5
    assert reworked.filter(status=TaskStatus.ACCEPTED).exists()
    times = defaultdict(list)
    for task_id, occurred_at in TaskEvent.objects.order_by("task_id", "task_version").values_list(
        "task_id", "occurred_at"
    ):
        times[task_id].append(occurred_at)
    for task_id, stamps in times.items():
        assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False)), task_id
        assert stamps[-1] <= now
    earliest = TaskEvent.objects.order_by("occurred_at").first().occurred_at
    assert now - timedelta(days=186) <= earliest <= now - timedelta(days=120)
    assert QualityReview.objects.filter(outcome=ReviewOutcome.REWORK).exists()
    assert QualityReview.objects.filter(outcome=ReviewOutcome.ACCEPTED).exists()
    assert ReviewDefect.objects.exists() and TimeEntry.objects.count() >= 200

    # The analyst login is a team member of provider 1 with a good share of its tasks.
    analyst = User.objects.get(email="provider.analyst@demo.kpo")
    assert analyst.team_member.provider == india
    assert Task.objects.filter(assignee=analyst.team_member).count() >= 20
    assert tasks_visible_to(analyst).count() == Task.objects.filter(assignee__user=analyst).count()

    # Recruiting: every stage, a hire on a provider's team.
    assert set(Candidate.objects.values_list("stage", flat=True)) == set(CandidateStage.values)
    hired = Candidate.objects.filter(stage=CandidateStage.HIRED)
    assert hired.exists() and all(c.team_member and c.team_member.provider == c.provider for c in hired)

    # Reports: drafts by the analyst consultant, only where they are attached.
    consultant_analyst = User.objects.get(email="consultant.analyst@demo.kpo")
    reports = RecommendationReport.objects.all()
    assert reports.count() >= 4
    for report in reports:
        assert report.status == ReportStatus.DRAFT and report.author == consultant_analyst
        assert report.engagement.status == EngagementStatus.ACTIVE
        assert EngagementConsultant.objects.filter(
            engagement=report.engagement, user=consultant_analyst, role="analyst"
        ).exists()
        assert 3 <= report.findings.count() <= 4 and 2 <= report.recommendations.count() <= 4
        for recommendation in report.recommendations.all():
            assert recommendation.rationale and recommendation.owner and recommendation.due_date
            assert recommendation.supporting_findings.exists()
    assert not EngagementConsultant.objects.filter(
        user=consultant_analyst,
        engagement__status__in=[EngagementStatus.COMPLETED, EngagementStatus.PROPOSED],
    ).exists()

    # Logins: every demo user authenticates with the demo password while DEBUG is on.
    for email in DEMO_LOGINS:
        assert authenticate(username=email, password=DEMO_PASSWORD) is not None, email
        assert email in output
    assert authenticate(email="client.sme@demo.kpo", password=DEMO_PASSWORD) is not None
    assert User.objects.get(email="admin@demo.kpo").is_superuser
    assert Consultant.objects.filter(user__email__startswith="consultant.").count() == 4
    consultancy = Organisation.objects.get(memberships__user__email="consultant.exec@demo.kpo")
    assert consultancy.kind == "consultancy"
    assert set(Membership.objects.filter(organisation=consultancy).values_list("user__email", flat=True)) == {
        "consultant.exec@demo.kpo",
        "consultant.analyst@demo.kpo",
        "consultant.broker@demo.kpo",
        "consultant.recruiter@demo.kpo",
    }


@pytest.mark.django_db
def test_a_client_never_sees_another_clients_engagements(seeded):
    law_firm, insurer = Client.objects.get(country="GB"), Client.objects.get(country="DE")
    other_staff = User.objects.get(email="client2.staff@demo.kpo")

    visible = engagements_visible_to(other_staff)

    assert visible.exists()
    assert not visible.filter(client=law_firm).exists()
    assert set(visible.values_list("client", flat=True)) == {insurer.pk}
    # Both clients work with provider 1; its manager sees both, each client only its own.
    india = Provider.objects.get(country="IN")
    assert visible.filter(provider=india).exists()
    manager = User.objects.get(email="provider.manager@demo.kpo")
    assert set(engagements_visible_to(manager).values_list("client", flat=True)) >= {law_firm.pk, insurer.pk}
    assert not tasks_visible_to(other_staff).filter(engagement__client=law_firm).exists()


@pytest.mark.django_db
def test_forced_seed_works_but_the_demo_password_is_refused_with_debug_off(seeded, settings):
    settings.DEBUG = False
    assert Engagement.objects.count() >= 12
    assert "works only with DEBUG on" in seeded
    assert authenticate(username="client.staff@demo.kpo", password=DEMO_PASSWORD) is None
    settings.DEBUG = True
    assert authenticate(username="client.staff@demo.kpo", password=DEMO_PASSWORD) is not None
