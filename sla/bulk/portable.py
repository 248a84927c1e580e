"""Reading and writing a batch through the ORM: the path for databases other than PostgreSQL (SQLite in tests)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from engagements.choices import TaskEventKind
from engagements.models import Task, TaskEvent
from sla.models import TaskClock

from .arrays import EPOCH, NONE, PRIORITIES, STATES, STATUS_CODE, ClockArrays, TaskBatch

_US = datetime.resolution  # one microsecond, as a timedelta
CLOCK_FIELDS = (
    "sla",
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


def load_batch(task_ids: np.ndarray) -> TaskBatch:
    """These tasks (those that exist) with their status events; a task without any (legacy) gets a
    synthetic draft event at the epoch, so that every task has one."""
    ids = task_ids.tolist()
    tasks = {
        pk: (PRIORITIES.index(priority), NONE if sla_id is None else sla_id)
        for pk, priority, sla_id in Task.objects.filter(pk__in=ids).values_list("pk", "priority", "sla_id")
    }
    rows = [
        (task_id, *tasks[task_id], (at - EPOCH) // _US, STATUS_CODE[status])
        for task_id, at, status in TaskEvent.objects.filter(task_id__in=ids, kind=TaskEventKind.STATUS)
        .order_by("task_id", "occurred_at", "id")
        .values_list("task_id", "occurred_at", "to_status")
        if task_id in tasks
    ]
    with_events = {row[0] for row in rows}
    rows += [(pk, *tasks[pk], 0, STATUS_CODE["draft"]) for pk in tasks if pk not in with_events]
    columns = [np.array([row[i] for row in rows], dtype=np.int64) for i in range(5)]
    return TaskBatch.from_events(*columns)


def write_clocks(batch: TaskBatch, clocks: dict[str, ClockArrays], now: datetime) -> int:
    """Upsert every clock of the batch (bulk_create with update_conflicts); returns the rows written."""
    objects = []
    for kind, arrays in clocks.items():
        for i, task_id in enumerate(batch.ids.tolist()):
            objects.append(
                TaskClock(
                    task_id=task_id,
                    kind=kind,
                    sla_id=_int_or_none(batch.sla[i]),
                    priority=PRIORITIES[batch.priority[i]] if arrays.target[i] != NONE else "",
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
        update_fields=list(CLOCK_FIELDS),
    )
    return len(objects)


def moved_since(task_ids: np.ndarray, since: datetime) -> list[int]:
    return list(
        Task.objects.filter(pk__in=task_ids.tolist(), updated_at__gte=since).values_list("pk", flat=True)
    )


def _int_or_none(value) -> int | None:
    return None if value == NONE else int(value)


def _instant(us) -> datetime | None:
    return None if us == NONE else EPOCH + int(us) * _US
