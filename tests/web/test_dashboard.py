"""The role dashboard: what each persona needs on arrival, never another tenant's work, constant queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.choices import TaskStatus
from engagements.services import task_transition
from reports.models import RecommendationReport
from sla.choices import AlertLevel, ClockKind, ClockState
from sla.models import SlaAlert, TaskClock
from tests.factories import make_task

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _clock(task, state=ClockState.RUNNING, due_in_hours=4):
    return TaskClock.objects.create(
        task=task,
        kind=ClockKind.RESOLUTION,
        state=state,
        target_seconds=8 * 3600,
        elapsed_seconds=3600,
        started_at=timezone.now() - timedelta(hours=2),
        due_at=timezone.now() + timedelta(hours=due_in_hours),
    )


def _breach_alert(task):
    return SlaAlert.objects.create(
        task=task,
        clock_kind=ClockKind.RESOLUTION,
        level=AlertLevel.BREACHED,
        cycle_started_at=timezone.now() - timedelta(days=1),
        raised_at=timezone.now(),
    )


def _deliver(task, actor):
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=actor, version=task.version)
    task_transition(task=task, to=TaskStatus.DELIVERED, actor=actor, version=task.version)


def test_client_staff_sees_health_reviews_and_breaches_of_their_client_only(world, client, personas):
    _deliver(world.task_ap_ready, personas["provider_manager"])
    _breach_alert(world.task_ap_other)
    _breach_alert(world.task_bp)  # client B's
    body = _home(client, personas["client_staff"])
    assert "Delivered, awaiting your review" in body
    assert world.task_ap_ready.title in body
    assert "Recent SLA breaches" in body and world.task_ap_other.title in body
    assert world.task_bp.title not in body
    assert world.engagement_ap.title in body and world.engagement_bp.title not in body
    assert 'class="badge badge-ok health health-green"' in body  # SLA health at a glance


def test_other_client_never_sees_client_as_breaches_or_reviews(world, client, personas):
    _deliver(world.task_ap_ready, personas["provider_manager"])
    _breach_alert(world.task_ap_other)
    body = _home(client, personas["other_client_staff"])
    assert world.task_ap_ready.title not in body and world.task_ap_other.title not in body


def test_provider_manager_sees_clocks_closest_to_breach_first_and_team_workload(world, client, personas):
    _clock(world.task_ap_other, due_in_hours=10)
    _clock(world.task_ap_ready, state=ClockState.AT_RISK, due_in_hours=1)
    body = _home(client, personas["provider_manager"])
    assert "Closest to breaching" in body
    assert body.index(world.task_ap_ready.title) < body.index(world.task_ap_other.title)
    assert body.index(world.task_ap_other.title) < body.index(world.task_bp.title)  # no clock: after
    assert "Team workload" in body
    assert world.analyst_member.full_name in body and world.other_team_member.full_name in body
    assert world.provider_q_member.full_name not in body  # provider Q's team
    assert "1 at risk" in body
    assert "Task board" in body and reverse("engagements:board") in body
    assert world.task_aq.title not in body


def test_provider_analyst_sees_only_their_own_open_tasks(world, client, personas):
    body = _home(client, personas["provider_analyst"])
    assert "My open tasks" in body
    assert world.task_ap_ready.title in body
    assert world.task_ap_other.title not in body


def test_consultant_analyst_sees_reports_in_progress(world, client, personas):
    RecommendationReport.objects.create(
        engagement=world.engagement_ap,
        author=personas["consultant_analyst"],
        title="Quarterly recommendations",
        period_start="2026-07-01",
        period_end="2026-09-30",
    )
    body = _home(client, personas["consultant_analyst"])
    assert "Reports in progress" in body and "Quarterly recommendations" in body
    assert world.engagement_ap.title in body
    assert "Provider directory" not in body


def test_broker_gets_the_provider_directory(world, client, personas):
    body = _home(client, personas["consultant_broker"])
    assert "Provider directory" in body
    assert world.provider_p.name in body and world.provider_q.name in body


def test_sme_gets_the_sample_queue(world, client, personas):
    body = _home(client, personas["client_sme"])
    assert "Sampled for your quality review" in body


def test_dashboard_query_count_is_constant_with_clocks_and_breaches(
    world, client, personas, django_assert_max_num_queries
):
    manager = personas["provider_manager"]
    client.force_login(manager)
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("home"))
    for i in range(15):
        task = make_task(
            engagement=world.engagement_ap,
            title=f"Load {i}",
            assignee=world.analyst_member,
            actor=personas["client_staff"],
        )
        task_transition(task=task, to=TaskStatus.READY, actor=personas["client_staff"], version=task.version)
        _clock(task, state=ClockState.BREACHED if i % 2 else ClockState.AT_RISK, due_in_hours=i)
        _breach_alert(task)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse("home")).status_code == 200
    client.force_login(personas["client_staff"])
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200


def test_sme_sample_queue_reads_its_clocks_in_one_query(
    world, client, personas, django_assert_max_num_queries
):
    """Each sampled row shows its SLA clock: read for all rows at once, not one query a row."""
    from sla.models import SampleDraw

    def sample(i):
        task = make_task(engagement=world.engagement_ap, title=f"Sampled {i}", actor=personas["client_staff"])
        task_transition(task=task, to=TaskStatus.READY, actor=personas["client_staff"], version=task.version)
        _deliver(task, personas["provider_manager"])
        _clock(task, state=ClockState.MET)
        SampleDraw.objects.get_or_create(  # delivery may already have drawn it
            task=task,
            defaults={
                "engagement": task.engagement,
                "period_start": timezone.now().date().replace(day=1),
                "level": "normal",
                "rate": "0.100",
                "reason": "test draw",
                "drawn_at": timezone.now(),
            },
        )

    sample(0)
    client.force_login(personas["client_sme"])
    with django_assert_max_num_queries(30) as one:
        body = client.get(reverse("home")).content.decode()
    assert "Sampled 0" in body
    for i in range(1, 8):
        sample(i)
    with django_assert_max_num_queries(len(one)):
        body = client.get(reverse("home")).content.decode()
    assert "Sampled 7" in body and body.count("Resolution: Met") >= 8


def test_recruiter_dashboard_lists_candidates_in_pipeline_order(client, consultant_recruiter, provider_p):
    from providers.choices import CandidateStage
    from tests.factories import CandidateFactory

    # Alphabetically the codes would read hired, interviewed, offered, rejected, screened, sourced.
    for stage, name in (
        (CandidateStage.REJECTED, "Aaron Rejected"),
        (CandidateStage.HIRED, "Bea Hired"),
        (CandidateStage.SOURCED, "Cyd Sourced"),
        (CandidateStage.OFFERED, "Dan Offered"),
        (CandidateStage.INTERVIEWED, "Eve Interviewed"),
        (CandidateStage.SCREENED, "Fay Screened"),
    ):
        CandidateFactory(full_name=name, stage=stage, provider=provider_p, recruiter=consultant_recruiter)
    client.force_login(consultant_recruiter)
    body = client.get(reverse("home")).content.decode()
    order = ["Cyd Sourced", "Fay Screened", "Eve Interviewed", "Dan Offered", "Bea Hired", "Aaron Rejected"]
    positions = [body.index(name) for name in order]
    assert positions == sorted(positions)
    # Each stage has its own badge colour class.
    for stage in CandidateStage.values:
        assert f'class="status s-{stage}"' in body


def test_recent_breaches_show_each_task_once_with_its_worst_clock(world, client, personas):
    task = world.task_ap_other
    SlaAlert.objects.create(
        task=task,
        clock_kind=ClockKind.RESPONSE,
        level=AlertLevel.BREACHED,
        cycle_started_at=timezone.now() - timedelta(days=2),
        raised_at=timezone.now() - timedelta(hours=5),
    )
    _breach_alert(task)  # its resolution clock breached later
    _breach_alert(world.task_ap_ready)
    body = _home(client, personas["client_staff"])
    section = body.split('id="breaches-title"', 1)[1].split("</section>", 1)[0]
    assert section.count(f'href="{task.get_absolute_url()}"') == 1
    assert world.task_ap_ready.title in section
    assert "Resolution" in section and "Response" not in section
