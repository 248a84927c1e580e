"""Task clocks from status events: the worked examples of sla.md and every kind of event."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import Schedule
from sla.choices import ClockKind, ClockState
from sla.clocks import Budgets, StatusEvent, compute_clocks, live_elapsed

PRAGUE = ZoneInfo("Europe/Prague")
WEEKDAYS_9_TO_5 = {day: [("09:00", "17:00")] for day in range(5)}
HOUR = 3600


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Prague: Monday the 1st."""
    return datetime(2026, 6, day, hour, minute, tzinfo=PRAGUE)


@pytest.fixture
def prague():
    return Schedule("Europe/Prague", WEEKDAYS_9_TO_5)


def events(*pairs):
    return [StatusEvent(at, status) for at, status in pairs]


BUDGETS = Budgets(response_seconds=2 * HOUR, resolution_seconds=8 * HOUR, warning_threshold=0.8)


def test_worked_example_3_pause_and_resume(prague):
    history = events(
        (local(1, 9), "ready"),
        (local(1, 9, 30), "in_progress"),
        (local(1, 11), "on_hold"),
        (local(2, 10), "in_progress"),
        (local(2, 15), "delivered"),
    )
    clocks = compute_clocks(history, BUDGETS, prague, now=local(3, 12))
    resolution = clocks[ClockKind.RESOLUTION]
    assert resolution.elapsed_seconds == 7 * HOUR
    assert resolution.state == ClockState.MET
    assert resolution.paused_seconds == 7 * HOUR  # Mon 11-17 and Tue 09-10, in business time
    assert resolution.due_at is None
    response = clocks[ClockKind.RESPONSE]
    assert (response.state, response.elapsed_seconds) == (ClockState.MET, 30 * 60)


def test_worked_example_3_due_at_at_ready_and_after_resuming(prague):
    at_ready = compute_clocks(events((local(1, 9), "ready")), BUDGETS, prague, now=local(1, 9, 1))
    assert at_ready[ClockKind.RESOLUTION].due_at == local(1, 17).astimezone(UTC)
    resumed = events(
        (local(1, 9), "ready"),
        (local(1, 9, 30), "in_progress"),
        (local(1, 11), "on_hold"),
        (local(2, 10), "in_progress"),
    )
    clocks = compute_clocks(resumed, BUDGETS, prague, now=local(2, 10, 5))
    assert clocks[ClockKind.RESOLUTION].due_at == local(2, 16).astimezone(UTC)
    assert clocks[ClockKind.RESOLUTION].state == ClockState.RUNNING


def test_on_hold_pauses_the_clock_and_has_no_deadline(prague):
    history = events((local(1, 9), "ready"), (local(1, 10), "in_progress"), (local(1, 12), "on_hold"))
    clock = compute_clocks(history, BUDGETS, prague, now=local(5, 12))[ClockKind.RESOLUTION]
    assert clock.state == ClockState.PAUSED
    assert clock.elapsed_seconds == 3 * HOUR
    assert clock.due_at is None
    assert clock.segment_started_at == local(1, 12)


def test_running_clock_turns_at_risk_then_breached(prague):
    history = events((local(1, 9), "ready"), (local(1, 9, 10), "in_progress"))
    at_risk = compute_clocks(history, BUDGETS, prague, now=local(1, 15, 30))[ClockKind.RESOLUTION]
    assert at_risk.state == ClockState.AT_RISK  # 6.5 h of 8 h used >= 80%
    assert at_risk.at_risk_at == (local(1, 9) + timedelta(hours=6.4)).astimezone(UTC)
    breached = compute_clocks(history, BUDGETS, prague, now=local(2, 10))[ClockKind.RESOLUTION]
    assert breached.state == ClockState.BREACHED
    assert breached.elapsed_seconds == 600  # banked up to the last event; the open segment is derived
    assert live_elapsed(breached, prague, local(2, 10)) == 9 * HOUR
    assert breached.due_at == local(1, 17).astimezone(UTC)


def test_response_breaches_when_work_starts_late(prague):
    history = events((local(1, 9), "ready"), (local(1, 13), "in_progress"))
    response = compute_clocks(history, BUDGETS, prague, now=local(1, 14))[ClockKind.RESPONSE]
    assert (response.state, response.elapsed_seconds) == (ClockState.BREACHED, 4 * HOUR)


def test_draft_and_cancelled_before_ready_are_not_applicable(prague):
    for history in ([], events((local(1, 9), "cancelled"))):
        clocks = compute_clocks(history, BUDGETS, prague, now=local(2, 9))
        assert {c.state for c in clocks.values()} == {ClockState.NOT_APPLICABLE}


def test_cancelled_after_ready_is_not_measured_unless_already_breached(prague):
    quick = events((local(1, 9), "ready"), (local(1, 10), "cancelled"))
    assert (
        compute_clocks(quick, BUDGETS, prague, now=local(2, 9))[ClockKind.RESOLUTION].state
        == ClockState.NOT_APPLICABLE
    )
    late = events((local(1, 9), "ready"), (local(3, 10), "cancelled"))
    clocks = compute_clocks(late, BUDGETS, prague, now=local(4, 9))
    assert clocks[ClockKind.RESPONSE].state == ClockState.BREACHED
    assert clocks[ClockKind.RESOLUTION].state == ClockState.BREACHED


def test_rework_is_measured_against_the_rework_budget(prague):
    budgets = Budgets(response_seconds=2 * HOUR, resolution_seconds=8 * HOUR, rework_seconds=4 * HOUR)
    history = events(
        (local(1, 9), "ready"),
        (local(1, 9, 30), "in_progress"),
        (local(1, 15), "delivered"),
        (local(2, 9), "rework_requested"),
        (local(2, 10), "in_progress"),
        (local(2, 12), "delivered"),
    )
    clocks = compute_clocks(history, budgets, prague, now=local(3, 9))
    assert clocks[ClockKind.RESOLUTION].state == ClockState.MET  # first delivery in 6 h
    assert (clocks[ClockKind.REWORK].state, clocks[ClockKind.REWORK].elapsed_seconds) == (
        ClockState.MET,
        3 * HOUR,
    )


def test_rework_without_a_rework_budget_only_counts_in_the_rework_rate(prague):
    history = events(
        (local(1, 9), "ready"),
        (local(1, 10), "in_progress"),
        (local(1, 15), "delivered"),
        (local(2, 9), "rework_requested"),
    )
    clocks = compute_clocks(history, BUDGETS, prague, now=local(5, 9))
    assert clocks[ClockKind.REWORK].state == ClockState.NOT_APPLICABLE
    assert clocks[ClockKind.RESOLUTION].state == ClockState.MET


def test_no_sla_means_not_applicable(prague):
    history = events((local(1, 9), "ready"))
    clocks = compute_clocks(history, Budgets(None, None), prague, now=local(5, 9))
    assert {c.state for c in clocks.values()} == {ClockState.NOT_APPLICABLE}


def test_recomputing_later_changes_nothing_but_the_state(prague):
    history = events((local(1, 9), "ready"), (local(1, 10), "in_progress"))
    early = compute_clocks(history, BUDGETS, prague, local(1, 10, 30))[ClockKind.RESOLUTION]
    later = compute_clocks(history, BUDGETS, prague, local(1, 12))[ClockKind.RESOLUTION]
    assert early == later
    assert early.state == ClockState.RUNNING
