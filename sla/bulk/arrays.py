"""The clock rules of sla.clocks over numpy arrays: every clock of many tasks at once.

Each event time is mapped to W(t), the cumulative working seconds of its task's calendar (sla.calendar), so
every segment's business time is one subtraction and per-task sums are `np.add.reduceat` over the events
sorted by task then time. A property test keeps these rules equal to the per-task ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from engagements.choices import TaskStatus
from sla.choices import ClockKind, ClockState

STATUS_CODE = {status: code for code, status in enumerate(TaskStatus.values)}
READY, IN_PROGRESS, ON_HOLD = STATUS_CODE["ready"], STATUS_CODE["in_progress"], STATUS_CODE["on_hold"]
DELIVERED, REWORK, CANCELLED = (
    STATUS_CODE["delivered"],
    STATUS_CODE["rework_requested"],
    STATUS_CODE["cancelled"],
)
KINDS = [ClockKind.RESPONSE, ClockKind.RESOLUTION, ClockKind.REWORK]
STATES = [
    ClockState.RUNNING,
    ClockState.PAUSED,
    ClockState.AT_RISK,
    ClockState.BREACHED,
    ClockState.MET,
    ClockState.NOT_APPLICABLE,
]
S_RUNNING, S_PAUSED, S_AT_RISK, S_BREACHED, S_MET, S_NA = range(6)
PRIORITIES = ["", "P1", "P2", "P3", "P4"]
NONE = -1  # "no value" in the integer arrays (budgets, instants)
MICRO = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ClockArrays:
    """One clock kind for n tasks. Instants are epoch microseconds (NONE when absent)."""

    state: np.ndarray
    target: np.ndarray
    elapsed: np.ndarray
    paused: np.ndarray
    started: np.ndarray
    stopped: np.ndarray
    segment: np.ndarray
    due: np.ndarray
    at_risk: np.ndarray


@dataclass
class EventArrays:
    """Status events sorted by task then time: task ids, epoch microseconds and status codes."""

    task_id: np.ndarray
    t_us: np.ndarray
    status: np.ndarray


@dataclass
class TaskBatch:
    """The tasks of one recompute: ids ascending, their priority codes and SLA ids (NONE: none), and their
    status events sorted by task then time (every task has at least one; `group` is each event's task index)."""

    ids: np.ndarray
    priority: np.ndarray
    sla: np.ndarray
    events: EventArrays
    group: np.ndarray

    @classmethod
    def from_events(
        cls, task_id: np.ndarray, priority: np.ndarray, sla: np.ndarray, t_us, status
    ) -> TaskBatch:
        """From rows (task, priority, sla, instant, status), each task's rows contiguous and in time order."""
        if len(task_id) > 1 and not (task_id[1:] >= task_id[:-1]).all():
            order = np.argsort(task_id, kind="stable")  # keeps each task's rows in their order
            task_id, priority, sla, t_us, status = (a[order] for a in (task_id, priority, sla, t_us, status))
        new = np.r_[True, task_id[1:] != task_id[:-1]] if len(task_id) else np.zeros(0, dtype=bool)
        first = np.flatnonzero(new)
        return cls(
            ids=task_id[first],
            priority=priority[first],
            sla=sla[first],
            events=EventArrays(task_id=task_id, t_us=t_us, status=status),
            group=np.cumsum(new) - 1,
        )


def compute_clock_arrays(
    *,
    group: np.ndarray,
    t_us: np.ndarray,
    status: np.ndarray,
    w: np.ndarray,
    budgets: dict[str, np.ndarray],
    threshold: np.ndarray,
    add_many: Callable[[np.ndarray, np.ndarray], np.ndarray],
    now_s: int,
) -> dict[str, ClockArrays]:
    """All clocks of the tasks whose status events are given.

    Events are sorted by task then time; `group[i]` is event i's task index (0..n_tasks-1, each task with at
    least one event), `t_us` its instant in epoch microseconds, `status` its status code and `w` W at its
    instant (whole seconds) on the task's calendar. Per task: `budgets[kind]` (NONE: not measured) and the
    warning `threshold`. `add_many(start_s, seconds)` is the calendar's vectorised add, in epoch seconds.
    """
    n = len(group)
    idx = np.arange(n)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    last = np.r_[first[1:] - 1, n - 1]
    first_ready = np.minimum.reduceat(np.where(status == READY, idx, n), first)
    last_rework = np.maximum.reduceat(np.where(status == REWORK, idx, -1), first)
    last_rework = np.where(last_rework < 0, n, last_rework)
    common = dict(
        group=group,
        idx=idx,
        t_us=t_us,
        status=status,
        w=w,
        first=first,
        last=last,
        threshold=threshold,
        add_many=add_many,
        now_s=now_s,
    )
    return {
        ClockKind.RESPONSE: _clock(first_ready, IN_PROGRESS, None, budgets[ClockKind.RESPONSE], **common),
        ClockKind.RESOLUTION: _clock(
            first_ready, DELIVERED, ON_HOLD, budgets[ClockKind.RESOLUTION], **common
        ),
        ClockKind.REWORK: _clock(last_rework, DELIVERED, ON_HOLD, budgets[ClockKind.REWORK], **common),
    }


def _clock(
    start,
    stop_status,
    pause_status,
    budget,
    *,
    group,
    idx,
    t_us,
    status,
    w,
    first,
    last,
    threshold,
    add_many,
    now_s,
) -> ClockArrays:
    n = len(group)
    start_e = start[group]
    # The clock stops at the first stopping (or cancelling) event after its start.
    stops = ((status == stop_status) | (status == CANCELLED)) & (idx > start_e)
    stop = np.minimum.reduceat(np.where(stops, idx, n), first)
    started = start < n
    stopped = started & (stop < n)
    end = np.where(stopped, stop, last)  # the last event inside the clock
    end_e = end[group]
    # Closed segments [event i, event i+1) inside [start, end): business time is W[i+1] - W[i].
    has_next = idx < last[group]
    dw = np.zeros(n, dtype=np.int64)
    dw[:-1] = w[1:] - w[:-1]
    inside = (idx >= start_e) & (idx < end_e) & has_next
    pausing = status == pause_status if pause_status is not None else np.zeros(n, dtype=bool)
    elapsed = np.add.reduceat(np.where(inside & ~pausing, dw, 0), first)
    paused = np.add.reduceat(np.where(inside & ~pausing, 0, np.where(inside, dw, 0)), first)
    # Not started: nothing measured. Not measured without a budget either.
    measured = started & (budget != NONE)
    elapsed = np.where(measured, elapsed, 0)
    paused = np.where(measured, paused, 0)
    safe_start = np.minimum(start, n - 1)
    cancelled = stopped & (status[np.minimum(stop, n - 1)] == CANCELLED)
    open_segment = measured & ~stopped
    open_running = open_segment & (status[last] != pause_status if pause_status is not None else True)
    over = elapsed > budget

    state = np.full(len(first), S_NA, dtype=np.int64)
    state[measured & stopped] = S_MET
    state[measured & stopped & cancelled] = S_NA
    state[open_segment] = S_PAUSED
    due = np.full(len(first), NONE, dtype=np.int64)
    at_risk = np.full(len(first), NONE, dtype=np.int64)
    projecting = open_running & ~over
    if projecting.any():
        segment_s = t_us[last[projecting]] // MICRO
        remaining = (budget - elapsed)[projecting]
        warn = np.ceil(budget[projecting] * threshold[projecting]).astype(np.int64) - elapsed[projecting]
        due_s = add_many(segment_s, remaining)
        risk_s = add_many(segment_s, np.maximum(0, warn))
        due[projecting] = due_s * MICRO
        at_risk[projecting] = risk_s * MICRO
        running_state = np.where(now_s > due_s, S_BREACHED, np.where(now_s >= risk_s, S_AT_RISK, S_RUNNING))
        state[projecting] = running_state
    state[measured & over] = S_BREACHED
    return ClockArrays(
        state=state,
        target=np.where(budget != NONE, budget, NONE),
        elapsed=elapsed,
        paused=paused,
        started=np.where(measured, t_us[safe_start], NONE),
        stopped=np.where(measured & stopped, t_us[np.minimum(stop, n - 1)], NONE),
        segment=np.where(open_segment, t_us[last], NONE),
        due=due,
        at_risk=at_risk,
    )


def _empty(n: int) -> ClockArrays:
    return ClockArrays(
        *(np.full(n, S_NA if i == 0 else (0 if i in (2, 3) else NONE), dtype=np.int64) for i in range(9))
    )


def _scatter(target: ClockArrays, index: np.ndarray, source: ClockArrays) -> None:
    for field in ClockArrays.__dataclass_fields__:
        getattr(target, field)[index] = getattr(source, field)
