"""Bulk recomputation: jobs with progress, the SLA change of an engagement, and the operator command."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from engagements.choices import TaskStatus
from kpo.core.exceptions import PermissionDenied
from sla.choices import ClockKind, ClockState, JobStatus
from sla.models import ClockRecomputeJob, TaskClock
from sla.services import clock_job_request, clock_job_run, engagement_set_sla
from tests.factories import SLAFactory, SLATargetFactory

pytestmark = pytest.mark.django_db


def test_a_job_recomputes_the_engagements_released_tasks_and_reports_progress(world):
    job = ClockRecomputeJob.objects.create(engagement=world.engagement_ap, reason="test")
    seen = []
    job = clock_job_run(job_id=job.pk, batch_size=1, progress=lambda done, total: seen.append((done, total)))
    assert job.status == JobStatus.DONE and job.percent == 100
    released = [world.task_ap_ready.pk, world.task_ap_other.pk]  # the draft has no clock
    assert seen == [(1, 2), (2, 2)]
    assert set(TaskClock.objects.values_list("task_id", flat=True)) == set(released)
    assert TaskClock.objects.get(task=world.task_ap_ready, kind=ClockKind.RESPONSE).state in {
        ClockState.RUNNING,
        ClockState.AT_RISK,
        ClockState.BREACHED,
    }
    assert clock_job_run(job_id=job.pk) is None  # a finished job is not run twice


def test_a_failing_job_says_why(world, monkeypatch):
    def explode(task_ids, now=None):
        raise RuntimeError("calendar table unreadable")

    monkeypatch.setattr("sla.services.clocks_recompute_tasks", explode)
    job = ClockRecomputeJob.objects.create(engagement=world.engagement_ap)
    with pytest.raises(RuntimeError):
        clock_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "calendar table unreadable" in job.error


def test_changing_the_sla_remeasures_tasks_against_the_new_targets(
    world, consultant_executive, django_capture_on_commit_callbacks
):
    strict = SLAFactory(
        name="Strict SLA", calendar=world.sla.calendar, effective_from=date(2025, 1, 1), targets=False
    )
    for priority in ("P1", "P2", "P3", "P4"):
        SLATargetFactory(sla=strict, priority=priority, response_seconds=60, resolution_seconds=120)
    with django_capture_on_commit_callbacks(execute=True):
        job = engagement_set_sla(engagement=world.engagement_ap, sla=strict, actor=consultant_executive)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.total == 2
    task = world.task_ap_ready
    task.refresh_from_db()
    assert task.sla == strict and "Strict SLA" in task.sla_reason
    assert TaskClock.objects.get(task=task, kind=ClockKind.RESOLUTION).target_seconds == 120


def test_only_the_executive_consultant_changes_the_sla(world, provider_manager, client_staff):
    for actor in (provider_manager, client_staff):
        with pytest.raises(PermissionDenied):
            engagement_set_sla(engagement=world.engagement_ap, sla=None, actor=actor)
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.sla == world.sla


def test_requesting_a_job_enqueues_it_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = clock_job_request(engagement=world.engagement_ap, reason="manual")
    assert job.status == JobStatus.QUEUED and len(callbacks) == 1


def test_the_command_prints_progress_and_a_summary(world):
    out = StringIO()
    call_command(
        "sla_recompute", "--engagement", str(world.engagement_ap.pk), "--batch-size", "1", stdout=out
    )
    text = out.getvalue()
    assert "1/2 tasks" in text and "2/2 tasks" in text
    assert "Recomputed the clocks of 2 tasks" in text


def test_the_command_refuses_an_unknown_engagement(db):
    with pytest.raises(CommandError, match="No engagement with id 999"):
        call_command("sla_recompute", "--engagement", "999", stdout=StringIO())


def test_a_cancelled_draft_never_gets_a_clock(world, operator):
    from engagements.services import task_transition

    draft = world.task_ap_draft
    task_transition(task=draft, to=TaskStatus.CANCELLED, actor=operator, version=draft.version)
    call_command("sla_recompute", stdout=StringIO())
    assert {c.state for c in TaskClock.objects.filter(task=draft)} <= {ClockState.NOT_APPLICABLE}


def test_a_priority_change_is_recorded_and_remeasures_the_task(
    world, client_staff, provider_manager, django_capture_on_commit_callbacks
):
    from engagements.models import TaskEvent
    from engagements.services import task_set_priority

    task = world.task_ap_other  # P3
    with django_capture_on_commit_callbacks(execute=True):
        task_set_priority(task=task, priority="P1", actor=client_staff, version=task.version)
    event = TaskEvent.objects.filter(task=task, kind="priority").get()
    assert (event.from_value, event.to_value) == ("P3", "P1")
    p1 = world.sla.targets.get(priority="P1")
    assert TaskClock.objects.get(task=task, kind=ClockKind.RESOLUTION).target_seconds == p1.resolution_seconds
    with pytest.raises(PermissionDenied):
        task_set_priority(task=task, priority="P4", actor=provider_manager, version=task.version)


def test_editing_a_calendar_remeasures_the_engagements_using_it(
    world, operator, django_capture_on_commit_callbacks
):
    from sla.services import calendar_changed

    with django_capture_on_commit_callbacks(execute=True):
        jobs = calendar_changed(calendar=world.sla.calendar, actor=operator)
    assert [job.engagement for job in jobs] == [world.engagement_ap]
    jobs[0].refresh_from_db()
    assert jobs[0].status == JobStatus.DONE and "changed" in jobs[0].reason
