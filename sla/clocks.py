"""A task's SLA clocks computed from its status events (shared/design/sla.md, "A task's clocks").

Pure computation: no ORM. `compute_clocks` takes the task's status events in order, the calendar's
Schedule, the budgets and "now", and returns each clock's state. The same rules run vectorised in
`sla.bulk` for whole engagements; a property test keeps the two in agreement.

- Response: from the first `ready` to the first `in_progress`.
- Resolution: from the first `ready` to the first `delivered`, paused while `on_hold`.
- Rework (only when the SLA has a rework budget): from the latest `rework_requested` to the next
  `delivered`, paused while `on_hold`.
A clock stopped by a cancellation is `not_applicable` (cancelled work is not measured) unless it had
already breached. Only closed segments count into `elapsed_seconds`, so a recompute is a function of the
events alone (idempotent); a running clock's live elapsed time adds its open segment. A clock breaches when its elapsed business time exceeds the budget; `due_at` is
the instant a running clock reaches its budget, `at_risk_at` the instant it reaches the warning
threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .choices import ClockKind, ClockState

READY, IN_PROGRESS, ON_HOLD = "ready", "in_progress", "on_hold"
DELIVERED, REWORK_REQUESTED, CANCELLED = "delivered", "rework_requested", "cancelled"


class BusinessTime(Protocol):
    def between(self, start: datetime, end: datetime) -> int: ...

    def add(self, start: datetime, seconds: int) -> datetime: ...


@dataclass(frozen=True)
class StatusEvent:
    occurred_at: datetime
    to_status: str


@dataclass(frozen=True)
class Budgets:
    response_seconds: int | None
    resolution_seconds: int | None
    rework_seconds: int | None = None
    warning_threshold: float = 0.8


@dataclass(frozen=True)
class ClockResult:
    kind: str
    state: str
    target_seconds: int | None = None
    elapsed_seconds: int = 0
    paused_seconds: int = 0
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    segment_started_at: datetime | None = None  # start of the open running or paused segment
    due_at: datetime | None = None
    at_risk_at: datetime | None = None


@dataclass(frozen=True)
class _Span:
    """What happened to one clock: when it started and stopped, and its running/paused segments."""

    started_at: datetime | None
    stopped_at: datetime | None
    stopped_by_cancel: bool
    running: list[tuple[datetime, datetime | None]]  # open end: still running
    paused: list[tuple[datetime, datetime | None]]


def _span(
    events: list[StatusEvent],
    *,
    start_on: set[str],
    stop_on: set[str],
    pause_on: set[str],
    from_index: int = 0,
) -> _Span:
    started_at = stopped_at = None
    cancelled = False
    running: list[tuple[datetime, datetime | None]] = []
    paused: list[tuple[datetime, datetime | None]] = []
    segment_start: datetime | None = None
    segment_paused = False
    for event in events[from_index:]:
        status, at = event.to_status, event.occurred_at
        if started_at is None:
            if status in start_on:
                started_at = segment_start = at
            elif status == CANCELLED:
                cancelled = True
                break
            continue
        # Close the open segment at this event.
        (paused if segment_paused else running).append((segment_start, at))
        if status in stop_on or status == CANCELLED:
            stopped_at, cancelled = at, status == CANCELLED
            segment_start = None
            break
        segment_start, segment_paused = at, status in pause_on
    if segment_start is not None:
        (paused if segment_paused else running).append((segment_start, None))
    return _Span(started_at, stopped_at, cancelled, running, paused)


def _measure(
    kind: str, span: _Span, budget: int | None, threshold: float, schedule: BusinessTime, now: datetime
) -> ClockResult:
    if budget is None or span.started_at is None:
        return ClockResult(kind=kind, state=ClockState.NOT_APPLICABLE, target_seconds=budget)
    # Only closed segments are banked, so recomputing later changes nothing: the open segment's share is
    # derived from `segment_started_at` when shown, and the beat job flips states by `due_at`.
    elapsed = sum(schedule.between(a, b) for a, b in span.running if b is not None)
    paused = sum(schedule.between(a, b) for a, b in span.paused if b is not None)
    open_running = bool(span.running) and span.running[-1][1] is None
    open_paused = bool(span.paused) and span.paused[-1][1] is None
    segment_started_at = span.running[-1][0] if open_running else span.paused[-1][0] if open_paused else None
    common = {
        "kind": kind,
        "target_seconds": budget,
        "elapsed_seconds": elapsed,
        "paused_seconds": paused,
        "started_at": span.started_at,
        "stopped_at": span.stopped_at,
        "segment_started_at": segment_started_at,
    }
    if span.stopped_at is not None:
        if elapsed > budget:
            state = ClockState.BREACHED
        elif span.stopped_by_cancel:
            state = ClockState.NOT_APPLICABLE
        else:
            state = ClockState.MET
        return ClockResult(state=state, **common)
    if elapsed > budget:
        return ClockResult(state=ClockState.BREACHED, **common)
    if not open_running:
        return ClockResult(state=ClockState.PAUSED, **common)
    # Running: the deadlines are projected from the start of the current segment.
    due_at = schedule.add(segment_started_at, budget - elapsed)
    at_risk_at = schedule.add(segment_started_at, max(0, math.ceil(budget * threshold) - elapsed))
    state = state_at(now, due_at=due_at, at_risk_at=at_risk_at)
    return ClockResult(state=state, due_at=due_at, at_risk_at=at_risk_at, **common)


def state_at(now: datetime, *, due_at: datetime, at_risk_at: datetime) -> str:
    """A running clock's state at `now`: it breaches after its due instant, and is at risk from the warning."""
    if now > due_at:
        return ClockState.BREACHED
    if now >= at_risk_at:
        return ClockState.AT_RISK
    return ClockState.RUNNING


def live_elapsed(clock: ClockResult, schedule: BusinessTime, now: datetime) -> int:
    """Elapsed business seconds including the open running segment, for display."""
    if clock.segment_started_at is not None and clock.due_at is not None:
        return clock.elapsed_seconds + schedule.between(clock.segment_started_at, now)
    return clock.elapsed_seconds


def compute_clocks(
    events: list[StatusEvent], budgets: Budgets, schedule: BusinessTime, now: datetime
) -> dict[str, ClockResult]:
    """All clocks of one task. `events` are its status events in time order."""
    threshold = budgets.warning_threshold
    response = _span(events, start_on={READY}, stop_on={IN_PROGRESS}, pause_on=set())
    resolution = _span(events, start_on={READY}, stop_on={DELIVERED}, pause_on={ON_HOLD})
    results = {
        ClockKind.RESPONSE: _measure(
            ClockKind.RESPONSE, response, budgets.response_seconds, threshold, schedule, now
        ),
        ClockKind.RESOLUTION: _measure(
            ClockKind.RESOLUTION, resolution, budgets.resolution_seconds, threshold, schedule, now
        ),
    }
    last_rework = max((i for i, e in enumerate(events) if e.to_status == REWORK_REQUESTED), default=None)
    if last_rework is None or budgets.rework_seconds is None:
        results[ClockKind.REWORK] = ClockResult(
            kind=ClockKind.REWORK, state=ClockState.NOT_APPLICABLE, target_seconds=budgets.rework_seconds
        )
    else:
        rework = _span(
            events,
            start_on={REWORK_REQUESTED},
            stop_on={DELIVERED},
            pause_on={ON_HOLD},
            from_index=last_rework,
        )
        results[ClockKind.REWORK] = _measure(
            ClockKind.REWORK, rework, budgets.rework_seconds, threshold, schedule, now
        )
    return results
