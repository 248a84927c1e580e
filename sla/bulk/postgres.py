"""Reading and writing a batch on PostgreSQL: binary COPY both ways, no per-row Python.

- The batch's ids travel once per statement as one int8[] literal (built by numpy: adapting a 100,000-item
  Python list costs more than the query). A dense batch (an engagement's tasks, every task in id order) is
  selected by an id range, with a hashed membership filter when it has gaps; a sparse one (the open tasks
  scattered among a million) by `= ANY`, probing the index in id order.
- Tasks and their status events come in one COPY: per task, an index-only scan of `taskevent_history_idx`
  (LATERAL, so each task's events keep their order; tasks without events get one NULL row).
- The stored clocks are read (for the diff: only changed clocks are written) on a second connection while
  the first reads the events, when nothing uncommitted of this transaction could be missed (autocommit at
  entry); otherwise on the same connection.
- Changed clocks go into a temporary table by binary COPY, then one UPDATE ... FROM (and one INSERT ... ON
  CONFLICT for new rows), task-major, so a task's three clocks land on one heap page.
"""

# SQL here is built from code constants only (table names, status names); values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import io
import struct
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
from django.db import connection, connections

from engagements.models import Task, TaskEvent
from sla.models import TaskClock

from .arrays import KINDS, MICRO, NONE, PRIORITIES, STATES, STATUS_CODE, ClockArrays, TaskBatch

_US = datetime.resolution
# Binary COPY carries timestamptz as microseconds since 2000-01-01 UTC; no arithmetic on the server.
PG_EPOCH_US = 946_684_800 * MICRO
# Stands for NULL in a binary timestamp column, so every row keeps one fixed width.
_NULL_INSTANT_SQL = "TIMESTAMPTZ '1900-01-01 00:00:00+00'"
_NULL_INSTANT_PG = (datetime(1900, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)) // _US
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
# A batch is "dense" when its id range holds at most this many ids per task of the batch.
DENSE_SPAN = 4
WORK_MEM = "128MB"  # for the batch's hash joins, this transaction only
# The batch's reads run side by side on their own connections (three index walks on a machine's few
# cores): parallel workers would only crowd them, and JIT-compiling plans whose cost the id array inflates
# takes longer than running them.
READ_SETTINGS = {"max_parallel_workers_per_gather": "0", "jit": "off"}

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
VALUE_FIELDS = (
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
INSTANT_FIELDS = ("started", "stopped", "segment", "due", "at_risk")
_WIDTH = {"task": 8, "kind": 2, "sla": 8, "priority": 2, "state": 2}  # int8 unless listed as int2
_FIELDS = ("task", "kind", *VALUE_FIELDS)


def _row_dtype(fields, widths) -> np.dtype:
    """A binary COPY row of fixed-width columns: the field count, then (length, value) per column."""
    return np.dtype(
        [("n", ">i2")]
        + [item for name in fields for item in ((f"l_{name}", ">i4"), (name, f">i{widths.get(name, 8)}"))]
    )


_CLOCK_ROW = _row_dtype(_FIELDS, _WIDTH)
_TASK_ROW = _row_dtype(("task", "priority", "sla"), {"priority": 2})
_EVENT_ROW = _row_dtype(("task", "t", "status"), {"status": 2})
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS kpo_clock_staging (task int8, kind int2, sla int8, priority int2, "
    "state int2, target int8, elapsed int8, paused int8, started int8, stopped int8, segment int8, due int8, "
    "at_risk int8, present bool) ON COMMIT DROP"
)


def apply_read_settings(cursor, *, local: bool) -> None:
    """READ_SETTINGS on this connection: for the transaction only (`local`), or for the session."""
    calls = ", ".join(["set_config(%s, %s, %s)"] * len(READ_SETTINGS))
    cursor.execute(f"SELECT {calls}", [p for item in READ_SETTINGS.items() for p in (*item, local)])


def _codes(column: str, values: list[str]) -> str:
    """SQL mapping a text column to its code in `values` (the inverse of ARRAY[...][code + 1])."""
    return f"(CASE {column} " + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)) + " END)"


def _instant(column: str) -> str:
    return f"COALESCE({column}, {_NULL_INSTANT_SQL})"


# The batch's ids as an int8[] literal, kept with the array it was made from: a batch's tasks, stored
# clocks and events are read with the same array (three statements, two of them in other threads), and
# writing 100,000 ids as text costs ~12 ms of the interpreter each time.
_last_literal: tuple = (None, "")


def _id_literal(ids: np.ndarray) -> str:
    global _last_literal
    made_from, literal = _last_literal  # one read of the pair: consistent whatever other threads do
    if made_from is not ids:
        literal = "{" + ",".join(map(str, ids.tolist())) + "}"
        _last_literal = (ids, literal)
    return literal


def is_dense(ids: np.ndarray) -> bool:
    return int(ids[-1]) - int(ids[0]) + 1 <= DENSE_SPAN * len(ids)


def ids_condition(column: str, ids: np.ndarray) -> tuple[str, list]:
    """A WHERE condition (and its parameters) true for rows whose `column` is one of `ids` (ascending,
    unique, not empty). Dense: an index range, gaps filtered by a hashed `= ANY` (the `+ 0` keeps the
    array out of the index condition). Sparse: `= ANY` as the index condition, which probes the index in
    id order (a join with `unnest` probes in hash order: twice the time, page locality lost)."""
    lo, hi = int(ids[0]), int(ids[-1])
    if hi - lo + 1 == len(ids):
        return f"{column} BETWEEN %s AND %s", [lo, hi]
    if is_dense(ids):
        return f"{column} BETWEEN %s AND %s AND {column} + 0 = ANY(%s::int8[])", [lo, hi, _id_literal(ids)]
    return f"{column} = ANY(%s::int8[])", [_id_literal(ids)]


def _copy_out(cursor, sql: str, params: list, dtype: np.dtype) -> np.ndarray:
    buffer = io.BytesIO()
    cursor.copy_expert(cursor.mogrify(sql, params).decode(), buffer)
    # The header, then fixed-width rows, then the -1 trailer.
    return np.frombuffer(buffer.getbuffer()[len(_COPY_HEADER) : -2], dtype=dtype)


def _events_sql(task_ids: np.ndarray) -> tuple[str, list]:
    """Status events of these tasks, by task then time, read from `taskevent_history_idx` alone. Dense: one
    range of the index, in its order. Sparse: per task (LATERAL over the ids in order), so each probe lands
    next to the previous one."""
    columns = f"h.task_id::int8, h.occurred_at, {_codes('h.to_status', list(STATUS_CODE))}::int2"
    table = TaskEvent._meta.db_table
    if is_dense(task_ids):
        condition, params = ids_condition("h.task_id", task_ids)
        query = (
            f"SELECT {columns} FROM {table} h WHERE {condition} AND h.kind = 'status' "
            "ORDER BY h.task_id, h.occurred_at, h.id"
        )
    else:
        query = (
            f"SELECT {columns} FROM unnest(%s::int8[]) AS b(id) CROSS JOIN LATERAL (SELECT h.task_id, "
            f"h.occurred_at, h.to_status FROM {table} h WHERE h.task_id = b.id AND h.kind = 'status' "
            "ORDER BY h.occurred_at, h.id) h"
        )
        params = [_id_literal(task_ids)]
    return f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", params


def _read_tasks(cursor, task_ids: np.ndarray) -> np.ndarray:
    condition, params = ids_condition("t.id", task_ids)
    sql = (
        f"COPY (SELECT t.id::int8, {_codes('t.priority', PRIORITIES)}::int2, COALESCE(t.sla_id, -1)::int8 "
        f"FROM {Task._meta.db_table} t WHERE {condition} ORDER BY t.id) TO STDOUT WITH (FORMAT binary)"
    )
    return _copy_out(cursor, sql, params, _TASK_ROW)


def _read_stored(cursor, task_ids: np.ndarray) -> np.ndarray:
    condition, params = ids_condition("c.task_id", task_ids)
    sql = (
        f"COPY (SELECT c.task_id::int8, {_codes('c.kind', KINDS)}::int2, COALESCE(c.sla_id, -1)::int8, "
        f"{_codes('c.priority', PRIORITIES)}::int2, {_codes('c.state', STATES)}::int2, "
        "COALESCE(c.target_seconds, -1)::int8, c.elapsed_seconds::int8, c.paused_seconds::int8, "
        f"{_instant('c.started_at')}, {_instant('c.stopped_at')}, {_instant('c.segment_started_at')}, "
        f"{_instant('c.due_at')}, {_instant('c.at_risk_at')} "
        f"FROM {TaskClock._meta.db_table} c WHERE {condition}) TO STDOUT WITH (FORMAT binary)"
    )
    return _copy_out(cursor, sql, params, _CLOCK_ROW)


SPLIT_READS = True


class _Elsewhere:
    """A second connection, opened, used and closed by one worker thread: its reads run while this
    connection reads the events and the numpy work goes on."""

    def __init__(self, alias: str):
        self.alias = alias
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpo-bulk-read")
        self.connection = None

    def submit(self, read, task_ids: np.ndarray) -> Future:
        return self.pool.submit(self._run, read, task_ids)

    def _run(self, read, task_ids):
        if self.connection is None:
            self.connection = connections.create_connection(self.alias)
            with self.connection.cursor() as cursor:
                apply_read_settings(cursor, local=False)  # a connection of its own, closed after the batch
        with self.connection.cursor() as cursor:
            return read(cursor.cursor, task_ids)

    def close(self) -> None:
        self.pool.submit(self._close)
        self.pool.shutdown(wait=False)

    def _close(self):
        if self.connection is not None:
            self.connection.close()


class Reads:
    """The reads of a batch besides its events: its task rows and its stored clocks (for the diff).

    When this connection has no transaction open (autocommit at entry), a second connection sees exactly
    what this one would, so both are read there at once, in the background; otherwise (inside a caller's
    transaction, whose uncommitted rows only this connection sees) here, when asked for."""

    def __init__(self, task_ids: np.ndarray):
        self.task_ids = task_ids
        self._tasks: Future | None = None
        self._clocks: Future | None = None
        if not connection.in_atomic_block:
            if SPLIT_READS:
                # Each on a connection of its own: three index walks at once instead of two.
                for_tasks, for_clocks = _Elsewhere(connection.alias), _Elsewhere(connection.alias)
                self._tasks = for_tasks.submit(_read_tasks, task_ids)
                self._clocks = for_clocks.submit(_read_stored, task_ids)
                for_tasks.close()
                for_clocks.close()
            else:
                elsewhere = _Elsewhere(connection.alias)
                self._tasks = elsewhere.submit(_read_tasks, task_ids)
                self._clocks = elsewhere.submit(_read_stored, task_ids)
                elsewhere.close()  # after the reads queued before it

    def _get(self, future: Future | None, read) -> np.ndarray:
        if future is not None:
            return future.result()
        with connection.cursor() as cursor:
            return read(cursor.cursor, self.task_ids)

    def tasks(self) -> np.ndarray:
        return self._get(self._tasks, _read_tasks)

    def clocks(self) -> np.ndarray:
        return self._get(self._clocks, _read_stored)


def load_batch(task_ids: np.ndarray, reads: Reads) -> TaskBatch:
    """These tasks (those that exist) and their status events; a task without any (legacy) gets a
    synthetic draft event at the epoch, so that every task has one."""
    sql, params = _events_sql(task_ids)
    with connection.cursor() as cursor:
        events = _copy_out(cursor.cursor, sql, params, _EVENT_ROW)
    tasks = reads.tasks()
    ids = tasks["task"].astype(np.int64)
    event_task = events["task"].astype(np.int64)
    if not len(ids):
        event_task = event_task[:0]
    at = np.minimum(np.searchsorted(ids, event_task), max(len(ids) - 1, 0))
    known = ids[at] == event_task if len(ids) else np.zeros(0, dtype=bool)
    t_us = events["t"].astype(np.int64) + PG_EPOCH_US
    status = events["status"].astype(np.int64)
    if not known.all():  # events of a task deleted meanwhile
        at, event_task, t_us, status = at[known], event_task[known], t_us[known], status[known]
    without = np.ones(len(ids), dtype=bool)
    without[at] = False
    if without.any():
        lone = np.flatnonzero(without)
        at = np.concatenate([at, lone])
        event_task = np.concatenate([event_task, ids[lone]])
        t_us = np.concatenate([t_us, np.zeros(len(lone), dtype=np.int64)])
        status = np.concatenate([status, np.full(len(lone), STATUS_CODE["draft"], dtype=np.int64)])
    return TaskBatch.from_events(
        event_task,
        tasks["priority"].astype(np.int64)[at],
        tasks["sla"].astype(np.int64)[at],
        t_us,
        status,
    )


# --- writing ----------------------------------------------------------------------------------------


def _computed(batch: TaskBatch, clocks: dict[str, ClockArrays]) -> dict[str, np.ndarray]:
    """Every clock of the batch, task-major (row 3i + k is task i's clock of KINDS[k]), native int64."""

    def interleave(name):
        return np.stack([getattr(clocks[kind], name) for kind in KINDS], axis=1).ravel()

    target = interleave("target")
    return {
        "sla": np.repeat(batch.sla, len(KINDS)),
        "priority": np.where(target == NONE, 0, np.repeat(batch.priority, len(KINDS))),
        "state": interleave("state"),
        "target": target,
        **{name: interleave(name) for name in ("elapsed", "paused", *INSTANT_FIELDS)},
    }


def _diff(batch: TaskBatch, computed: dict[str, np.ndarray], stored: np.ndarray):
    """(changed, present): per computed row, whether it differs from the stored one (or none is stored),
    and whether one is stored."""
    n = len(computed["state"])
    present = np.zeros(n, dtype=bool)
    same = np.zeros(n, dtype=bool)
    if len(stored) and n:
        task = stored["task"].astype(np.int64)
        at = np.minimum(np.searchsorted(batch.ids, task), len(batch.ids) - 1)
        ours = batch.ids[at] == task  # rows of tasks the batch holds (a task deleted meanwhile is not)
        position = (at * len(KINDS) + stored["kind"])[ours]
        equal = np.ones(len(position), dtype=bool)
        for name in VALUE_FIELDS:
            values = stored[name][ours].astype(np.int64)
            if name in INSTANT_FIELDS:
                values = np.where(values == _NULL_INSTANT_PG, NONE, values + PG_EPOCH_US)
            equal &= values == computed[name][position]
        present[position] = True
        same[position] = equal
    return ~same, present


def write_clocks(
    batch: TaskBatch, clocks: dict[str, ClockArrays], now: datetime, reads: Reads
) -> tuple[int, np.ndarray]:
    """Write only the clocks that are new or differ from the stored ones; returns how many, and the ids
    of the tasks whose clocks were written."""
    computed = _computed(batch, clocks)
    changed, present = _diff(batch, computed, reads.clocks())
    count = int(changed.sum())
    if not count:
        return 0, batch.ids[:0]
    record = np.zeros(count, dtype=[("row", _CLOCK_ROW), ("l_present", ">i4"), ("present", "u1")])
    row = record["row"]
    row["n"] = len(_FIELDS) + 1
    for name in _FIELDS:
        row[f"l_{name}"] = _CLOCK_ROW[name].itemsize
    row["task"] = np.repeat(batch.ids, len(KINDS))[changed]
    row["kind"] = np.tile(np.arange(len(KINDS)), len(batch.ids))[changed]
    for name in VALUE_FIELDS:
        row[name] = computed[name][changed]
    record["l_present"], record["present"] = 1, present[changed]
    payload = io.BytesIO(_COPY_HEADER + record.tobytes() + struct.pack(">h", -1))
    _apply(
        payload, batch.ids, updates=bool(present[changed].any()), inserts=not present[changed].all(), now=now
    )
    return count, np.unique(row["task"]).astype(np.int64)


def _apply(payload: io.BytesIO, task_ids: np.ndarray, *, updates: bool, inserts: bool, now: datetime) -> None:
    table = TaskClock._meta.db_table

    def instant(column):
        return (
            f"CASE WHEN s.{column} < 0 THEN NULL "
            f"ELSE TIMESTAMPTZ 'epoch' + s.{column} * INTERVAL '1 microsecond' END"
        )

    def text(values):
        return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"

    values = (
        f"s.task AS task_id, ({text(KINDS)})[s.kind + 1] AS kind, NULLIF(s.sla, -1) AS sla_id, "
        f"({text(PRIORITIES)})[s.priority + 1] AS priority, ({text(STATES)})[s.state + 1] AS state, "
        "NULLIF(s.target, -1) AS target_seconds, s.elapsed AS elapsed_seconds, s.paused AS paused_seconds, "
        f"{instant('started')} AS started_at, {instant('stopped')} AS stopped_at, "
        f"{instant('segment')} AS segment_started_at, {instant('due')} AS due_at, {instant('at_risk')} AS at_risk_at"
    )
    compared = [c for c in CLOCK_COLUMNS if c != "computed_at"]
    # The range of the batch bounds the scan of the clock table (an engagement's tasks are one range).
    lo, hi = int(task_ids[0]), int(task_ids[-1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        work_mem = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute(_STAGING)
        cursor.execute("TRUNCATE kpo_clock_staging")
        cursor.cursor.copy_expert("COPY kpo_clock_staging FROM STDIN WITH (FORMAT binary)", payload)
        cursor.execute("ANALYZE kpo_clock_staging")
        if updates:
            cursor.execute(
                f"UPDATE {table} c SET "
                + ", ".join(f"{col} = v.{col}" for col in compared)
                + ", computed_at = %s "
                f"FROM (SELECT {values} FROM kpo_clock_staging s WHERE s.present) v "
                "WHERE c.task_id = v.task_id AND c.kind = v.kind AND c.task_id BETWEEN %s AND %s",
                [now, lo, hi],
            )
        if inserts:
            cursor.execute(
                f"INSERT INTO {table} (task_id, kind, {', '.join(CLOCK_COLUMNS)}) "
                f"SELECT v.task_id, v.kind, {', '.join(f'v.{col}' for col in compared)}, %s "
                f"FROM (SELECT {values} FROM kpo_clock_staging s WHERE NOT s.present ORDER BY s.task, s.kind) v "
                "ON CONFLICT (task_id, kind) DO UPDATE SET "
                + ", ".join(f"{col} = EXCLUDED.{col}" for col in CLOCK_COLUMNS),
                [now],
            )
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])


def moved_since(task_ids: np.ndarray, since: datetime) -> list[int]:
    """The tasks of the batch changed at or after `since`."""
    condition, params = ids_condition("t.id", task_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id FROM {Task._meta.db_table} t WHERE {condition} AND t.updated_at >= %s",
            [*params, since],
        )
        return [row[0] for row in cursor.fetchall()]
