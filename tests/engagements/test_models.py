"""The database refuses impossible rows, whatever path wrote them; models print and link sensibly."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.choices import ReviewOutcome
from engagements.models import Deliverable, Engagement, QualityReview, Task, TimeEntry
from providers.choices import CandidateStage
from reports.choices import ReportStatus
from reports.models import ReportVersion
from sla.choices import Kpi, KpiStatus, Priority
from sla.models import KpiSnapshot, SLATarget

from ..factories import (
    CandidateFactory,
    CertificationFactory,
    ClientFactory,
    OrganisationFactory,
    RecommendationReportFactory,
    SLAFactory,
    TeamMemberFactory,
    make_engagement,
    make_task,
)

pytestmark = pytest.mark.django_db


def assert_refused(write):
    """The write raises IntegrityError; the atomic block keeps the test's transaction usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- engagements ---------------------------------------------------------------------------------


@pytest.fixture
def engagement():
    return make_engagement(start_date=date(2025, 3, 1), budget=Decimal("5000.00"), currency="EUR")


@pytest.fixture
def task(engagement):
    return make_task(engagement=engagement)


def test_engagement_ending_before_it_starts_is_refused(engagement):
    rows = Engagement.objects.filter(pk=engagement.pk)
    rows.update(end_date=date(2025, 3, 1))  # a one-day engagement is fine
    assert_refused(lambda: rows.update(end_date=date(2025, 2, 28)))
    engagement.refresh_from_db()
    assert engagement.end_date == date(2025, 3, 1)


def test_negative_engagement_budget_is_refused(engagement):
    rows = Engagement.objects.filter(pk=engagement.pk)
    rows.update(budget=Decimal("0"))
    assert_refused(lambda: rows.update(budget=Decimal("-0.01")))


@pytest.mark.parametrize("code", ["eur", "Eur", "E1R", "EU", ""])
def test_engagement_currency_must_be_an_iso_code(engagement, code):
    rows = Engagement.objects.filter(pk=engagement.pk)
    rows.update(currency="USD")
    assert_refused(lambda: rows.update(currency=code))


def test_engagement_title_is_unique_per_client(engagement):
    make_engagement(
        client=engagement.client, title="Other title"
    )  # another title for the same client is fine
    make_engagement(title=engagement.title)  # the same title for another client is fine
    assert_refused(lambda: Engagement.objects.filter(title="Other title").update(title=engagement.title))


# --- tasks and their children --------------------------------------------------------------------


def test_task_version_zero_is_refused(task):
    rows = Task.objects.filter(pk=task.pk)
    assert_refused(lambda: rows.update(version=0))
    task.refresh_from_db()
    assert task.version == 1


def test_task_with_an_unknown_status_is_refused(task):
    assert_refused(lambda: Task.objects.filter(pk=task.pk).update(status="done"))


def test_deliverable_is_a_file_or_a_link(task):
    Deliverable.objects.create(task=task, url="https://example.com/report")
    Deliverable.objects.create(task=task, file="deliverables/1/a.pdf", size_bytes=2048)
    assert Deliverable.objects.filter(task=task).count() == 2


def test_deliverable_with_both_file_and_link_is_refused(task):
    assert_refused(
        lambda: Deliverable.objects.create(
            task=task, file="deliverables/1/a.pdf", size_bytes=2048, url="https://example.com/report"
        )
    )
    assert not Deliverable.objects.filter(task=task).exists()


def test_deliverable_with_neither_file_nor_link_is_refused(task):
    assert_refused(lambda: Deliverable.objects.create(task=task))
    assert not Deliverable.objects.filter(task=task).exists()


def test_empty_deliverable_file_is_refused(task):
    assert_refused(lambda: Deliverable.objects.create(task=task, file="deliverables/1/a.pdf", size_bytes=0))


@pytest.mark.parametrize(("score", "accepted"), [(0, True), (100, True), (101, False), (-1, False)])
def test_review_accuracy_score_lies_between_0_and_100(task, score, accepted):
    def write():
        QualityReview.objects.create(
            task=task,
            accuracy_score=Decimal(score),
            outcome=ReviewOutcome.ACCEPTED,
            reviewed_at=timezone.now(),
        )

    if accepted:
        write()
        assert QualityReview.objects.get(task=task).accuracy_score == score
    else:
        assert_refused(write)
        assert not QualityReview.objects.filter(task=task).exists()


@pytest.mark.parametrize(("hours", "accepted"), [("0.25", True), ("24", True), ("0", False), ("25", False)])
def test_time_entry_hours_lie_between_0_exclusive_and_24(task, hours, accepted):
    member = TeamMemberFactory(provider=task.engagement.provider)

    def write():
        TimeEntry.objects.create(
            task=task,
            team_member=member,
            work_date=date(2025, 3, 3),
            hours=Decimal(hours),
            hourly_rate=Decimal("40"),
            currency="EUR",
        )

    if accepted:
        write()
        assert TimeEntry.objects.get(task=task).hours == Decimal(hours)
    else:
        assert_refused(write)
        assert not TimeEntry.objects.filter(task=task).exists()


# --- SLAs ----------------------------------------------------------------------------------------


def test_sla_target_resolving_before_responding_is_refused():
    sla = SLAFactory(targets=False)
    SLATarget.objects.create(sla=sla, priority=Priority.P2, response_seconds=3600, resolution_seconds=3600)
    assert_refused(
        lambda: SLATarget.objects.create(
            sla=sla, priority=Priority.P1, response_seconds=3600, resolution_seconds=1800
        )
    )
    assert list(sla.targets.values_list("priority", flat=True)) == [Priority.P2]


def test_second_sla_target_for_the_same_priority_is_refused():
    sla = SLAFactory()  # one target per priority
    assert_refused(
        lambda: SLATarget.objects.create(
            sla=sla, priority=Priority.P1, response_seconds=60, resolution_seconds=120
        )
    )
    assert sla.targets.filter(priority=Priority.P1).count() == 1


def test_kpi_snapshot_met_without_a_value_is_refused(engagement):
    def snapshot(kpi, status, value):
        return KpiSnapshot.objects.create(
            engagement=engagement,
            kpi=kpi,
            period_start=date(2025, 3, 1),
            period_end=date(2025, 4, 1),
            status=status,
            value=value,
            currency="EUR",
        )

    snapshot(Kpi.ACCURACY, KpiStatus.NO_DATA, None)
    snapshot(Kpi.REWORK_RATE, KpiStatus.MET, Decimal("0.02"))
    assert_refused(lambda: snapshot(Kpi.RESPONSE_COMPLIANCE, KpiStatus.MET, None))
    assert not KpiSnapshot.objects.filter(kpi=Kpi.RESPONSE_COMPLIANCE).exists()


# --- providers -----------------------------------------------------------------------------------


def test_candidate_linked_to_a_team_member_must_be_hired():
    member = TeamMemberFactory()
    hired = CandidateFactory(provider=member.provider, stage=CandidateStage.HIRED, team_member=member)
    assert hired.team_member == member
    other_member = TeamMemberFactory(provider=member.provider)
    assert_refused(
        lambda: CandidateFactory(
            provider=member.provider, stage=CandidateStage.OFFERED, team_member=other_member
        )
    )


def test_certification_expiring_before_it_was_issued_is_refused():
    CertificationFactory(issued_on=date(2024, 1, 1), expires_on=date(2027, 1, 1))
    assert_refused(lambda: CertificationFactory(issued_on=date(2025, 6, 1), expires_on=date(2025, 5, 31)))


# --- reports -------------------------------------------------------------------------------------


def test_ready_report_version_without_a_file_is_refused():
    report = RecommendationReportFactory()
    ReportVersion.objects.create(report=report, number=1, status=ReportStatus.FAILED, error="Pango missing")
    ReportVersion.objects.create(
        report=report, number=2, status=ReportStatus.READY, file="reports/1/v2.pdf", content_sha256="ab" * 32
    )
    assert_refused(lambda: ReportVersion.objects.create(report=report, number=3, status=ReportStatus.READY))
    assert_refused(
        lambda: ReportVersion.objects.create(
            report=report, number=3, status=ReportStatus.READY, file="reports/1/v3.pdf", content_sha256=""
        )
    )
    assert list(report.versions.values_list("number", flat=True)) == [2, 1]


# --- validation ----------------------------------------------------------------------------------


def test_unknown_client_time_zone_is_a_clear_validation_error():
    organisation = OrganisationFactory(kind="client")
    client = ClientFactory.build(organisation=organisation, time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    assert set(refused.value.message_dict) == {"time_zone"}
    assert refused.value.message_dict["time_zone"] == ["Mars/Olympus_Mons is not a known IANA time zone."]

    client.time_zone = "Asia/Kolkata"
    client.full_clean()  # the same client with a real zone is valid


def test_engagement_create_refuses_a_lower_case_currency_before_the_database_does():
    with pytest.raises(ValidationError) as refused:
        make_engagement(currency="eur")
    assert "currency" in refused.value.message_dict
    assert not Engagement.objects.exists()


# --- printing and linking ------------------------------------------------------------------------


def test_engagement_and_task_print_as_their_titles(engagement):
    task = make_task(engagement=engagement, title="Summarise the 10-K")
    assert str(engagement) == engagement.title
    assert str(task) == "Summarise the 10-K"
    first_event = task.events.get()
    assert str(first_event).startswith(f"{task.pk}: ∅ → draft at ")


def test_engagement_and_task_link_to_their_own_pages(engagement, task):
    other_task = make_task(engagement=engagement)
    urls = {engagement.get_absolute_url(), task.get_absolute_url(), other_task.get_absolute_url()}
    assert len(urls) == 3  # each object has its own page
    assert str(engagement.pk) in engagement.get_absolute_url()
    assert task.get_absolute_url().rstrip("/").endswith(str(task.pk))
    assert other_task.get_absolute_url().rstrip("/").endswith(str(other_task.pk))


def test_client_prints_as_its_name():
    assert str(ClientFactory(name="Fabrikam")) == "Fabrikam"


def test_time_entry_amount_is_hours_times_rate(task):
    entry = TimeEntry(
        task=task,
        team_member=TeamMemberFactory(full_name="Ravi K"),
        work_date=date(2025, 3, 3),
        hours=Decimal("2.50"),
        hourly_rate=Decimal("40.00"),
        currency="EUR",
    )
    assert entry.amount == Decimal("100.00")
    assert str(entry) == "Ravi K: 2.50 h on 2025-03-03"
