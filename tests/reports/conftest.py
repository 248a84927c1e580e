"""A small, hand-checkable history on engagement_ap and a report about it.

June 2026 (UTC): T1 and T2 released, started and delivered; T2 sent back for rework after its review and
delivered again. Reviews: T1 100, T2 90 (mean accuracy 95.0%, rework rate 1/2 = 50.0%). Effort: 10 h and
5 h at 40 EUR/h in June (EUR 600).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from engagements.choices import ReviewOutcome, TaskStatus
from engagements.services import review_submit, task_transition, time_entry_log
from reports.choices import FigureKind, RecommendationPriority
from reports.services import finding_create, recommendation_create, report_create
from sla.services import task_clocks_recompute
from tests.factories import make_task


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def move(task, to, actor, when):
    task_transition(task=task, to=to, actor=actor, version=task.version, at=when)


@pytest.fixture
def history(world, client_staff, client_sme, provider_manager):
    engagement = world.engagement_ap
    pm = provider_manager
    t1 = make_task(engagement=engagement, title="June filings digest", actor=client_staff, at=at(6, 1, 6))
    t2 = make_task(engagement=engagement, title="June peer table", actor=client_staff, at=at(6, 1, 6))
    for task in (t1, t2):
        move(task, TaskStatus.READY, client_staff, at(6, 1, 7))
        move(task, TaskStatus.IN_PROGRESS, pm, at(6, 1, 8))
        move(task, TaskStatus.DELIVERED, pm, at(6, 2, 9))
    review_submit(
        task=t1,
        reviewer=client_sme,
        accuracy_score=Decimal("100"),
        outcome=ReviewOutcome.ACCEPTED,
        version=t1.version,
        at=at(6, 3, 9),
    )
    review_submit(
        task=t2,
        reviewer=client_sme,
        accuracy_score=Decimal("90"),
        outcome=ReviewOutcome.REWORK,
        version=t2.version,
        at=at(6, 3, 10),
    )
    move(t2, TaskStatus.IN_PROGRESS, pm, at(6, 4, 8))
    move(t2, TaskStatus.DELIVERED, pm, at(6, 5, 8))
    for task in (t1, t2):
        task_clocks_recompute(task_id=task.pk, now=at(6, 30, 12))
    member = world.analyst_member
    time_entry_log(task=t1, team_member=member, work_date=date(2026, 6, 1), hours=Decimal("10"), actor=pm)
    time_entry_log(task=t2, team_member=member, work_date=date(2026, 6, 2), hours=Decimal("5"), actor=pm)
    return {"t1": t1, "t2": t2}


@pytest.fixture
def report(world, history, consultant_analyst):
    """A draft report by the analyst consultant on engagement_ap, May to July 2026."""
    report = report_create(
        engagement=world.engagement_ap,
        actor=consultant_analyst,
        title="Peer benchmarking: delivery review",
        period_start=date(2026, 5, 1),
        period_end=date(2026, 7, 31),
        executive_summary="Delivery is **on time**; sampled accuracy averaged 95.0%.",
    )
    f1 = finding_create(
        report=report,
        actor=consultant_analyst,
        title="Accuracy below the 98% target",
        evidence="Two reviews in June:\n\n- 100\n- 90",
        figure_kind=FigureKind.ACCURACY,
    )
    f2 = finding_create(
        report=report,
        actor=consultant_analyst,
        title="Rework on one in two deliveries",
        evidence="T2 came back.",
    )
    recommendation_create(
        report=report,
        actor=consultant_analyst,
        action="Run a citation checklist before every delivery",
        rationale="Finding F2 shows rework on half the deliveries; a checklist catches citation slips.",
        priority=RecommendationPriority.HIGH,
        expected_impact="Rework rate within 5%",
        owner="Priya Manager",
        due_date=date(2026, 9, 30),
        supporting_findings=[f1, f2],
    )
    recommendation_create(
        report=report,
        actor=consultant_analyst,
        action="Double the sampling rate for two months",
        rationale="With only two reviews a month the mean accuracy is noisy; more samples settle it.",
        priority=RecommendationPriority.MEDIUM,
    )
    return report


@pytest.fixture
def media(tmp_path, settings):
    """Rendered PDFs go to a temporary media root."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def rendered(report, consultant_analyst, media, django_capture_on_commit_callbacks):
    """The report rendered once (version 1 ready), through the real on-commit task."""
    from reports.services import report_render_request

    with django_capture_on_commit_callbacks(execute=True):
        version, _created = report_render_request(report=report, actor=consultant_analyst)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version
