"""Recompute the clocks of many tasks at once: vectorised over numpy arrays, written set-based.

The rules are those of sla.clocks (a property test keeps both in agreement); here they run over all the
status events of a batch of tasks at once. Each event time is mapped to W(t), the cumulative working
seconds of its task's calendar (sla.calendar), so every segment's business time is one subtraction and
per-task sums are `np.add.reduceat` over the sorted events. On PostgreSQL events are read and clocks
written with binary COPY (a temporary table, then one INSERT ... ON CONFLICT DO UPDATE); elsewhere the
ORM's bulk upsert does the same.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from engagements.choices import TaskEventKind, TaskStatus
from engagements.models import Task, TaskEvent

from .choices import ClockKind, ClockState
from .models import SLA, TaskClock

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


# --- loading --------------------------------------------------------------------------------------


def _load_events(task_ids: list[int]) -> EventArrays:
    """Status events of these tasks, sorted by task then time."""
    if connection.vendor == "postgresql":
        return _load_events_postgres(task_ids)
    rows = list(
        TaskEvent.objects.filter(task_id__in=task_ids, kind=TaskEventKind.STATUS)
        .order_by("task_id", "occurred_at", "id")
        .values_list("task_id", "occurred_at", "to_status")
    )
    return EventArrays(
        task_id=np.array([r[0] for r in rows], dtype=np.int64),
        t_us=np.array([(r[1] - EPOCH) // _US for r in rows], dtype=np.int64),
        status=np.array([STATUS_CODE[r[2]] for r in rows], dtype=np.int64),
    )


_US = datetime.resolution  # one microsecond, as a timedelta
# Binary COPY carries timestamptz as microseconds since 2000-01-01 UTC; no arithmetic on the server.
PG_EPOCH_US = 946_684_800 * MICRO
# Stands for NULL in a binary timestamp column, so every row keeps one fixed width.
_NULL_INSTANT_SQL = "TIMESTAMPTZ '1900-01-01 00:00:00+00'"
_NULL_INSTANT_PG = (datetime(1900, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)) // _US
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_EVENT_ROW = np.dtype(
    [("n", ">i2"), ("l1", ">i4"), ("task", ">i8"), ("l2", ">i4"), ("t", ">i8"), ("l3", ">i4"), ("s", ">i2")]
)


def _load_events_postgres(task_ids: list[int]) -> EventArrays:
    cases = " ".join(f"WHEN '{status}' THEN {code}" for status, code in STATUS_CODE.items())
    # Built from code constants only (status names, table name); the ids are a bound parameter.
    sql = (
        "COPY (SELECT e.task_id::int8, "
        "e.occurred_at, "
        f"(CASE e.to_status {cases} END)::int2 "
        f"FROM {TaskEvent._meta.db_table} e WHERE e.kind = 'status' AND e.task_id = ANY(%s) "
        "ORDER BY e.task_id, e.occurred_at, e.id) TO STDOUT WITH (FORMAT binary)"
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, [task_ids]).decode()
        cursor.cursor.copy_expert(query, buffer)
    data = buffer.getvalue()[len(_COPY_HEADER) : -2]  # header, then the -1 trailer
    rows = np.frombuffer(data, dtype=_EVENT_ROW)
    return EventArrays(
        task_id=rows["task"].astype(np.int64),
        t_us=rows["t"].astype(np.int64) + PG_EPOCH_US,
        status=rows["s"].astype(np.int64),
    )


# --- writing --------------------------------------------------------------------------------------

CLOCK_COLUMNS = (
    "sla_id",
    "priority",
    "state",
    "target_seconds",
    "elapsed_seconds",
    "paused_seconds",
    "started_at",
    "stopped_at",
    "segment_started_at",
    "due_at",
    "at_risk_at",
    "computed_at",
)


def _write_clocks(
    task_ids: np.ndarray,
    sla_ids: np.ndarray,
    priorities: np.ndarray,
    clocks: dict[str, ClockArrays],
    now: datetime,
) -> int:
    if connection.vendor == "postgresql":
        return _write_clocks_postgres(task_ids, sla_ids, priorities, clocks, now)
    objects = []
    for kind, arrays in clocks.items():
        for i, task_id in enumerate(task_ids.tolist()):
            objects.append(
                TaskClock(
                    task_id=task_id,
                    kind=kind,
                    sla_id=int(sla_ids[i]) if sla_ids[i] != NONE else None,
                    priority=PRIORITIES[priorities[i]] if arrays.target[i] != NONE else "",
                    state=STATES[arrays.state[i]],
                    target_seconds=_int_or_none(arrays.target[i]),
                    elapsed_seconds=int(arrays.elapsed[i]),
                    paused_seconds=int(arrays.paused[i]),
                    started_at=_instant(arrays.started[i]),
                    stopped_at=_instant(arrays.stopped[i]),
                    segment_started_at=_instant(arrays.segment[i]),
                    due_at=_instant(arrays.due[i]),
                    at_risk_at=_instant(arrays.at_risk[i]),
                    computed_at=now,
                )
            )
    TaskClock.objects.bulk_create(
        objects,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["task", "kind"],
        update_fields=[c.removesuffix("_id") if c == "sla_id" else c for c in CLOCK_COLUMNS],
    )
    return len(objects)


def _int_or_none(value) -> int | None:
    return None if value == NONE else int(value)


def _instant(us) -> datetime | None:
    return None if us == NONE else EPOCH + int(us) * _US


_VALUE_FIELDS = (
    "sla",
    "priority",
    "state",
    "target",
    "elapsed",
    "paused",
    "started",
    "stopped",
    "segment",
    "due",
    "at_risk",
)
_INSTANT_FIELDS = ("started", "stopped", "segment", "due", "at_risk")
_WIDTH = {"task": 8, "kind": 2, "sla": 8, "priority": 2, "state": 2}  # int8 unless listed as int2
_FIELDS = ("task", "kind", *_VALUE_FIELDS)
_CLOCK_ROW = np.dtype(
    [("n", ">i2")]
    + [item for name in _FIELDS for item in ((f"l_{name}", ">i4"), (name, f">i{_WIDTH.get(name, 8)}"))]
)
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS kpo_clock_staging (task int8, kind int2, sla int8, priority int2, "
    "state int2, target int8, elapsed int8, paused int8, started int8, stopped int8, segment int8, due int8, "
    "at_risk int8, present bool) ON COMMIT DROP"
)


def _sql_codes(column: str, values: list[str]) -> str:
    """SQL mapping a text column to its code in `values` (the inverse of ARRAY[...][code + 1])."""
    return f"(CASE {column} " + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)) + " END)"


def _pg_instant(column: str) -> str:
    return f"COALESCE({column}, {_NULL_INSTANT_SQL})"


def _stored_clocks_postgres(task_ids: np.ndarray) -> np.ndarray:
    """The stored clocks of these tasks, as rows of _CLOCK_ROW (binary COPY out, no per-row Python)."""
    table = TaskClock._meta.db_table
    sql = (
        f"COPY (SELECT c.task_id::int8, {_sql_codes('c.kind', KINDS)}::int2, COALESCE(c.sla_id, -1)::int8, "
        f"{_sql_codes('c.priority', PRIORITIES)}::int2, {_sql_codes('c.state', STATES)}::int2, "
        "COALESCE(c.target_seconds, -1)::int8, c.elapsed_seconds::int8, c.paused_seconds::int8, "
        f"{_pg_instant('c.started_at')}, {_pg_instant('c.stopped_at')}, {_pg_instant('c.segment_started_at')}, "
        f"{_pg_instant('c.due_at')}, {_pg_instant('c.at_risk_at')} "
        f"FROM {table} c WHERE c.task_id = ANY(%s)) TO STDOUT WITH (FORMAT binary)"
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(cursor.cursor.mogrify(sql, [task_ids.tolist()]).decode(), buffer)
    rows = np.frombuffer(buffer.getvalue()[len(_COPY_HEADER) : -2], dtype=_CLOCK_ROW).copy()
    for name in _INSTANT_FIELDS:
        raw = rows[name].astype(np.int64)
        rows[name] = np.where(raw == _NULL_INSTANT_PG, NONE, raw + PG_EPOCH_US)
    return rows


def _computed_rows(task_ids, sla_ids, priorities, clocks) -> np.ndarray:
    parts = []
    for code, kind in enumerate(KINDS):
        a = clocks[kind]
        rows = np.zeros(len(task_ids), dtype=_CLOCK_ROW)
        rows["task"], rows["kind"], rows["sla"] = task_ids, code, sla_ids
        rows["priority"] = np.where(a.target == NONE, 0, priorities)  # no budget: no priority recorded
        for name, values in (
            ("state", a.state),
            ("target", a.target),
            ("elapsed", a.elapsed),
            ("paused", a.paused),
            ("started", a.started),
            ("stopped", a.stopped),
            ("segment", a.segment),
            ("due", a.due),
            ("at_risk", a.at_risk),
        ):
            rows[name] = values
        parts.append(rows)
    return np.concatenate(parts)


def _write_clocks_postgres(task_ids, sla_ids, priorities, clocks, now) -> int:
    """Write only the clocks that are new or differ from the stored ones; returns the rows written."""
    computed = _computed_rows(task_ids, sla_ids, priorities, clocks)
    stored = _stored_clocks_postgres(task_ids)
    key_computed = computed["task"].astype(np.int64) * 4 + computed["kind"]
    key_stored = stored["task"].astype(np.int64) * 4 + stored["kind"]
    order = np.argsort(key_stored, kind="stable")
    at = np.searchsorted(key_stored[order], key_computed)
    at = np.minimum(at, max(len(order) - 1, 0))
    present = np.zeros(len(computed), dtype=bool)
    changed = np.ones(len(computed), dtype=bool)
    if len(order):
        match = order[at]
        present = key_stored[match] == key_computed
        same = present.copy()
        for name in _VALUE_FIELDS:
            same &= stored[name][match] == computed[name]
        changed = ~same
    rows, present_rows = computed[changed], present[changed]
    # Task-major order: a task's three clocks land on the same heap page when inserted, so reading them
    # back later (the open-task recompute, the task page) touches one page instead of three.
    order = np.lexsort((rows["kind"], rows["task"]))
    rows, present_rows = rows[order], present_rows[order]
    if not len(rows):
        return 0
    rows["n"] = len(_FIELDS) + 1
    for name in _FIELDS:
        rows[f"l_{name}"] = _CLOCK_ROW[name].itemsize
    # The last column says whether the row exists (UPDATE) or not (INSERT): one byte, 0 or 1.
    flags = np.zeros(len(rows), dtype=[("l", ">i4"), ("v", "u1")])
    flags["l"], flags["v"] = 1, present_rows
    record = np.zeros(len(rows), dtype=[("row", _CLOCK_ROW), ("flag", flags.dtype)])
    record["row"], record["flag"] = rows, flags
    record["row"]["n"] = len(_FIELDS) + 1
    payload = io.BytesIO(_COPY_HEADER + record.tobytes() + struct.pack(">h", -1))
    table = TaskClock._meta.db_table

    def instant(column):
        return f"CASE WHEN s.{column} < 0 THEN NULL ELSE TIMESTAMPTZ 'epoch' + s.{column} * INTERVAL '1 microsecond' END"

    kinds = ", ".join(f"'{k}'" for k in KINDS)
    states = ", ".join(f"'{s}'" for s in STATES)
    priorities_sql = ", ".join(f"'{p}'" for p in PRIORITIES)
    values = (
        f"s.task AS task_id, (ARRAY[{kinds}])[s.kind + 1] AS kind, NULLIF(s.sla, -1) AS sla_id, "
        f"(ARRAY[{priorities_sql}])[s.priority + 1] AS priority, "
        f"(ARRAY[{states}])[s.state + 1] AS state, NULLIF(s.target, -1) AS target_seconds, "
        f"s.elapsed AS elapsed_seconds, s.paused AS paused_seconds, {instant('started')} AS started_at, "
        f"{instant('stopped')} AS stopped_at, {instant('segment')} AS segment_started_at, "
        f"{instant('due')} AS due_at, {instant('at_risk')} AS at_risk_at"
    )
    compared = [c for c in CLOCK_COLUMNS if c != "computed_at"]
    with connection.cursor() as cursor:
        cursor.execute(_STAGING)
        cursor.execute("TRUNCATE kpo_clock_staging")
        cursor.cursor.copy_expert("COPY kpo_clock_staging FROM STDIN WITH (FORMAT binary)", payload)
        cursor.execute("ANALYZE kpo_clock_staging")
        if present_rows.any():
            cursor.execute(
                f"UPDATE {table} c SET "
                + ", ".join(f"{col} = v.{col}" for col in compared)
                + ", computed_at = %s "
                f"FROM (SELECT {values} FROM kpo_clock_staging s WHERE s.present) v "
                "WHERE c.task_id = v.task_id AND c.kind = v.kind",
                [now],
            )
        if not present_rows.all():
            cursor.execute(
                f"INSERT INTO {table} (task_id, kind, {', '.join(CLOCK_COLUMNS)}) "
                f"SELECT v.task_id, v.kind, {', '.join(f'v.{col}' for col in compared)}, %s "
                f"FROM (SELECT {values} FROM kpo_clock_staging s WHERE NOT s.present) v "
                "ON CONFLICT (task_id, kind) DO UPDATE SET "
                + ", ".join(f"{col} = EXCLUDED.{col}" for col in CLOCK_COLUMNS),
                [now],
            )
    return len(rows)


# --- the job --------------------------------------------------------------------------------------


@dataclass
class _SlaPlan:
    schedule: object
    threshold: float
    budgets: dict[str, dict[str, int | None]]  # priority -> kind -> seconds


def _plans(sla_ids: Iterable[int]) -> dict[int, _SlaPlan]:
    plans = {}
    for sla in (
        SLA.objects.filter(pk__in=set(sla_ids))
        .select_related("calendar")
        .prefetch_related("targets", "calendar__intervals", "calendar__exceptions")
    ):
        budgets = {
            t.priority: {
                ClockKind.RESPONSE: t.response_seconds,
                ClockKind.RESOLUTION: t.resolution_seconds,
                ClockKind.REWORK: t.rework_resolution_seconds,
            }
            for t in sla.targets.all()
        }
        plans[sla.pk] = _SlaPlan(sla.calendar.schedule(), float(sla.warning_threshold), budgets)
    return plans


def _assign_slas(task_rows: list[tuple]) -> bool:
    """Record the SLA of released tasks that have none yet (the same choice as a single recompute);
    True when any task got one."""
    from .services import sla_select_for_task

    pending = [row for row in task_rows if row[2] is None]
    if not pending:
        return False
    tasks = {
        t.pk: t for t in Task.objects.filter(pk__in=[r[0] for r in pending]).select_related("engagement__sla")
    }
    released = dict(
        TaskEvent.objects.filter(
            task_id__in=list(tasks), kind=TaskEventKind.STATUS, to_status=TaskStatus.READY
        )
        .order_by("task_id", "occurred_at")
        .values_list("task_id", "occurred_at")
        .distinct()
    )
    chosen: dict[tuple, tuple] = {}
    updates = []
    for task_id, task in tasks.items():
        at = released.get(task_id)
        if at is None:
            continue
        key = (task.engagement_id, task.task_type, at.date())
        if key not in chosen:
            chosen[key] = sla_select_for_task(task=task, released_at=at)
        sla, reason = chosen[key]
        if sla is not None:
            task.sla, task.sla_reason = sla, reason
            updates.append(task)
    Task.objects.bulk_update(updates, ["sla", "sla_reason"], batch_size=2000)
    return bool(updates)


def _task_rows(task_ids: list[int]) -> list[tuple]:
    """(id, priority, sla_id) of these tasks by id. On PostgreSQL the ids travel as one array parameter:
    compiling a 100,000-item IN list costs more than the query."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, priority, sla_id FROM {Task._meta.db_table} WHERE id = ANY(%s) ORDER BY id",  # noqa: S608
                [list(task_ids)],
            )
            return cursor.fetchall()
    return list(Task.objects.filter(pk__in=task_ids).order_by("pk").values_list("pk", "priority", "sla_id"))


def clocks_recompute_tasks(task_ids: list[int], *, now: datetime | None = None) -> int:
    """Recompute and store the clocks of these tasks in one transaction; returns the rows written."""
    if not task_ids:
        return 0
    now = now or timezone.now()
    read_at = timezone.now()
    with transaction.atomic():
        rows = _task_rows(task_ids)
        if _assign_slas(rows):
            rows = _task_rows(task_ids)
        events = _load_events([r[0] for r in rows])
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        # Every task has its creation event; one without any (legacy) gets a synthetic draft one.
        missing = np.setdiff1d(ids, events.task_id)
        if len(missing):
            events = EventArrays(
                task_id=np.concatenate([events.task_id, missing]),
                t_us=np.concatenate([events.t_us, np.zeros(len(missing), dtype=np.int64)]),
                status=np.concatenate([events.status, np.full(len(missing), STATUS_CODE["draft"])]),
            )
            order = np.lexsort((events.t_us, events.task_id))
            events = EventArrays(events.task_id[order], events.t_us[order], events.status[order])
        group = np.searchsorted(ids, events.task_id)
        sla_ids = np.array([r[2] if r[2] is not None else NONE for r in rows], dtype=np.int64)
        priorities = np.array([PRIORITIES.index(r[1]) for r in rows], dtype=np.int64)
        plans = _plans(int(s) for s in sla_ids if s != NONE)
        n = len(ids)
        result = {kind: _empty(n) for kind in KINDS}
        now_s = int(now.timestamp())
        for sla_id in [None, *plans]:
            members = sla_ids == (NONE if sla_id is None else sla_id)
            if not members.any():
                continue
            task_index = np.flatnonzero(members)
            event_mask = members[group]
            sub_group = np.searchsorted(task_index, group[event_mask])
            t_us, status = events.t_us[event_mask], events.status[event_mask]
            plan = plans.get(sla_id)
            budgets = {kind: np.full(len(task_index), NONE, dtype=np.int64) for kind in KINDS}
            if plan is not None:
                for p_code, priority in enumerate(PRIORITIES):
                    chosen = priorities[task_index] == p_code
                    for kind in KINDS:
                        seconds = plan.budgets.get(priority, {}).get(kind)
                        if seconds is not None:
                            budgets[kind][chosen] = seconds
                w = plan.schedule.working_seconds_at(t_us // MICRO)
                add_many = plan.schedule.add_many
            else:
                w = np.zeros(len(t_us), dtype=np.int64)
                add_many = _never
            threshold = np.full(len(task_index), plan.threshold if plan else 0.8)
            arrays = compute_clock_arrays(
                group=sub_group,
                t_us=t_us,
                status=status,
                w=w,
                budgets=budgets,
                threshold=threshold,
                add_many=add_many,
                now_s=now_s,
            )
            for kind in KINDS:
                _scatter(result[kind], task_index, arrays[kind])
        written = _write_clocks(ids, sla_ids, priorities, result, now)
        _requeue_changed_meanwhile(task_ids, since=read_at)
        return written


def _requeue_changed_meanwhile(task_ids: list[int], *, since: datetime) -> None:
    """Tasks that moved while this batch ran may have had a newer clock overwritten by the batch's older
    reading: recompute each again, one by one, after commit (that path locks the task and reads fresh)."""
    from .tasks import recompute_task_clocks

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Task._meta.db_table} WHERE id = ANY(%s) AND updated_at >= %s",  # noqa: S608
                [list(task_ids), since],
            )
            moved = [row[0] for row in cursor.fetchall()]
    else:
        moved = list(Task.objects.filter(pk__in=task_ids, updated_at__gte=since).values_list("pk", flat=True))
    for task_id in moved:
        transaction.on_commit(lambda task_id=task_id: recompute_task_clocks.delay(task_id))


def _never(starts, seconds):  # pragma: no cover - no budget means nothing to project
    raise AssertionError("nothing is projected without an SLA")


def _empty(n: int) -> ClockArrays:
    return ClockArrays(
        *(np.full(n, S_NA if i == 0 else (0 if i in (2, 3) else NONE), dtype=np.int64) for i in range(9))
    )


def _scatter(target: ClockArrays, index: np.ndarray, source: ClockArrays) -> None:
    for field in ClockArrays.__dataclass_fields__:
        getattr(target, field)[index] = getattr(source, field)
