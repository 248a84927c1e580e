"""Task clocks stored from events, the SLA chosen for a task, the minute tick, alerts and their emails."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from engagements.choices import TaskStatus, TaskType
from engagements.services import task_transition
from kpo.events.models import DomainEvent, Notification
from kpo.events.services import email_digests_send
from sla.choices import AlertLevel, ClockKind, ClockState
from sla.models import SlaAlert, TaskClock
from sla.services import clocks_tick, sla_select_for_task, task_clocks_recompute
from tests.factories import BusinessCalendarFactory, SLAFactory, SLATargetFactory, make_engagement, make_task

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")
HOUR = 3600


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Prague; the 1st is a Monday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=PRAGUE)


@pytest.fixture
def prague_sla(db):
    calendar = BusinessCalendarFactory(name="Prague office", time_zone="Europe/Prague")
    sla = SLAFactory(name="Prague SLA", calendar=calendar, effective_from=date(2026, 1, 1), targets=False)
    SLATargetFactory(
        sla=sla,
        priority="P3",
        response_seconds=2 * HOUR,
        resolution_seconds=8 * HOUR,
        rework_resolution_seconds=4 * HOUR,
    )
    SLATargetFactory(sla=sla, priority="P1", response_seconds=HOUR, resolution_seconds=4 * HOUR)
    return sla


@pytest.fixture
def engagement(world, prague_sla, operator):
    return make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title="Prague desk",
        service_line=world.service_line,
        sla=prague_sla,
        actor=operator,
    )


@pytest.fixture
def released(engagement, client_staff):
    """A P3 task created and released on Monday 1 June at 09:00 Prague time."""
    task = make_task(engagement=engagement, title="Prague task", actor=client_staff, at=local(1, 8, 30))
    task_transition(task=task, to=TaskStatus.READY, actor=client_staff, version=task.version, at=local(1, 9))
    return task


def move(task, to, actor, at):
    task_transition(task=task, to=to, actor=actor, version=task.version, at=at)


def clocks(task) -> dict[str, TaskClock]:
    return {clock.kind: clock for clock in TaskClock.objects.filter(task=task)}


def test_release_records_the_sla_and_starts_both_clocks(released, prague_sla):
    task_clocks_recompute(task_id=released.pk, now=local(1, 9, 30))
    released.refresh_from_db()
    assert released.sla == prague_sla
    assert "engagement's SLA in force" in released.sla_reason
    stored = clocks(released)
    assert stored[ClockKind.RESPONSE].state == ClockState.RUNNING
    assert stored[ClockKind.RESPONSE].due_at == local(1, 11).astimezone(UTC)
    assert stored[ClockKind.RESOLUTION].due_at == local(1, 17).astimezone(UTC)
    assert stored[ClockKind.REWORK].state == ClockState.NOT_APPLICABLE


def test_worked_example_3_through_the_stored_clock(released, provider_manager):
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(1, 9, 30))
    move(released, TaskStatus.ON_HOLD, provider_manager, local(1, 11))
    task_clocks_recompute(task_id=released.pk, now=local(1, 12))
    paused = clocks(released)[ClockKind.RESOLUTION]
    assert (paused.state, paused.elapsed_seconds, paused.due_at) == (ClockState.PAUSED, 2 * HOUR, None)
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(2, 10))
    task_clocks_recompute(task_id=released.pk, now=local(2, 10, 1))
    assert clocks(released)[ClockKind.RESOLUTION].due_at == local(2, 16).astimezone(UTC)
    move(released, TaskStatus.DELIVERED, provider_manager, local(2, 15))
    task_clocks_recompute(task_id=released.pk, now=local(2, 15, 1))
    resolution = clocks(released)[ClockKind.RESOLUTION]
    assert (resolution.state, resolution.elapsed_seconds) == (ClockState.MET, 7 * HOUR)
    assert clocks(released)[ClockKind.RESPONSE].state == ClockState.MET


def test_recomputing_twice_changes_nothing(released, provider_manager):
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(1, 10))
    task_clocks_recompute(task_id=released.pk, now=local(1, 10, 5))
    first = list(TaskClock.objects.filter(task=released).order_by("kind").values())
    task_clocks_recompute(task_id=released.pk, now=local(1, 10, 5))
    assert list(TaskClock.objects.filter(task=released).order_by("kind").values()) == first


def test_rework_cycle_is_measured_against_the_rework_budget(released, provider_manager, client_sme):
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(1, 9, 30))
    move(released, TaskStatus.DELIVERED, provider_manager, local(1, 15))
    move(released, TaskStatus.REWORK_REQUESTED, client_sme, local(2, 9))
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(2, 10))
    move(released, TaskStatus.DELIVERED, provider_manager, local(2, 16))
    task_clocks_recompute(task_id=released.pk, now=local(3, 9))
    rework = clocks(released)[ClockKind.REWORK]
    assert (rework.state, rework.elapsed_seconds, rework.target_seconds) == (
        ClockState.BREACHED,
        7 * HOUR,
        4 * HOUR,
    )
    assert clocks(released)[ClockKind.RESOLUTION].state == ClockState.MET


def test_cancelled_task_is_not_measured(released, client_admin):
    move(released, TaskStatus.CANCELLED, client_admin, local(1, 10))
    task_clocks_recompute(task_id=released.pk, now=local(1, 11))
    assert {c.state for c in clocks(released).values()} == {ClockState.NOT_APPLICABLE}


def test_a_priority_change_keeps_the_time_used_and_changes_only_the_target(released, provider_manager):
    move(released, TaskStatus.IN_PROGRESS, provider_manager, local(1, 9, 30))
    move(released, TaskStatus.ON_HOLD, provider_manager, local(1, 11))
    released.priority = "P1"
    released.save(update_fields=["priority"])
    task_clocks_recompute(task_id=released.pk, now=local(1, 12))
    resolution = clocks(released)[ClockKind.RESOLUTION]
    assert (resolution.elapsed_seconds, resolution.target_seconds, resolution.priority) == (
        2 * HOUR,
        4 * HOUR,
        "P1",
    )


def test_the_most_specific_sla_is_chosen_and_the_reason_recorded(released, engagement, prague_sla):
    general = SLAFactory(
        name="2026 renewal",
        calendar=prague_sla.calendar,
        engagement=engagement,
        effective_from=date(2026, 5, 1),
    )
    older = SLAFactory(
        name="Old research SLA",
        calendar=prague_sla.calendar,
        engagement=engagement,
        task_type=TaskType.RESEARCH,
        effective_from=date(2025, 1, 1),
    )
    newer = SLAFactory(
        name="Research SLA",
        calendar=prague_sla.calendar,
        engagement=engagement,
        task_type=TaskType.RESEARCH,
        effective_from=date(2026, 3, 1),
    )
    released.task_type = TaskType.RESEARCH
    sla, reason = sla_select_for_task(task=released, released_at=local(1, 9))
    assert sla == newer and "research" in reason
    released.task_type = TaskType.ANALYSIS
    assert sla_select_for_task(task=released, released_at=local(1, 9))[0] == general
    assert sla_select_for_task(task=released, released_at=datetime(2026, 4, 1, tzinfo=UTC))[0] == prague_sla
    assert older.pk  # an expired-by-newer candidate is never chosen over a newer one


def test_tick_flips_due_clocks_and_alerts_once(released, provider_manager):
    task_clocks_recompute(task_id=released.pk, now=local(1, 9, 5))
    assert clocks(released)[ClockKind.RESPONSE].state == ClockState.RUNNING
    assert clocks_tick(now=local(1, 10, 40))[AlertLevel.AT_RISK] == 1  # response: 80% of 2 h is 10:36
    assert clocks(released)[ClockKind.RESPONSE].state == ClockState.AT_RISK
    counts = clocks_tick(now=local(1, 11, 1))
    assert counts[AlertLevel.BREACHED] == 1
    assert clocks(released)[ClockKind.RESPONSE].state == ClockState.BREACHED
    assert clocks_tick(now=local(1, 11, 2)) == {AlertLevel.BREACHED: 0, AlertLevel.AT_RISK: 0}
    assert SlaAlert.objects.filter(task=released, clock_kind=ClockKind.RESPONSE).count() == 2
    # A recompute of the same state raises nothing new.
    task_clocks_recompute(task_id=released.pk, now=local(1, 11, 3))
    assert SlaAlert.objects.filter(task=released, clock_kind=ClockKind.RESPONSE).count() == 2
    assert DomainEvent.objects.filter(event_type="sla.breached").count() == 1


def test_breach_notifies_both_sides_in_app_and_emails_at_nine_in_their_zone(
    released, provider_manager, client_staff, django_capture_on_commit_callbacks
):
    provider_manager.time_zone = "Asia/Kolkata"
    provider_manager.save()
    task_clocks_recompute(task_id=released.pk, now=local(1, 9, 5))
    with django_capture_on_commit_callbacks(execute=True):
        clocks_tick(now=local(1, 11, 1))
    breach = Notification.objects.get(recipient=client_staff, verb="sla.breached")
    assert breach.title.startswith("SLA breached (response, P3)")
    managers = Notification.objects.get(recipient=provider_manager, verb="sla.breached")
    # A P3 breach is not urgent: the email waits for 09:00 on the next weekday in Kolkata.
    assert managers.email_after == datetime(2026, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert email_digests_send(now=local(1, 12)) == 0
    sent = email_digests_send(now=datetime(2026, 6, 2, 12, 0, tzinfo=UTC))
    assert sent >= 2
    assert any(provider_manager.email in m.to for m in mail.outbox)
    assert email_digests_send(now=datetime(2026, 6, 2, 12, 5, tzinfo=UTC)) == 0  # never twice


def test_every_transition_recomputes_the_clock_after_commit(
    released, provider_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(released, TaskStatus.IN_PROGRESS, provider_manager, local(1, 9, 45))
    response = clocks(released)[ClockKind.RESPONSE]
    assert (response.state, response.elapsed_seconds) == (ClockState.MET, 45 * 60)
    assert clocks(released)[ClockKind.RESOLUTION].stopped_at is None


def test_recompute_of_a_deleted_task_is_a_no_op(released):
    task_id = released.pk
    released.delete()
    assert task_clocks_recompute(task_id=task_id) is None
    assert not TaskClock.objects.filter(task_id=task_id).exists()


def test_now_is_past_for_the_fixture():
    assert local(1, 9) < datetime.now(UTC) - timedelta(days=1)
