"""Recompute the clocks of many tasks at once: vectorised over numpy arrays, written set-based.

The rules are those of sla.clocks (a property test keeps both in agreement); `arrays` runs them over all
the status events of a batch of tasks at once. On PostgreSQL (`postgres`) tasks and events are read and
clocks written with binary COPY, and only the clocks that changed are written; elsewhere (`portable`) the
ORM's bulk upsert does the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from engagements.choices import TaskEventKind, TaskStatus
from engagements.models import Task, TaskEvent
from sla.choices import ClockKind
from sla.models import SLA

from . import portable, postgres
from .arrays import (
    EPOCH,
    KINDS,
    MICRO,
    NONE,
    PRIORITIES,
    STATES,
    STATUS_CODE,
    ClockArrays,
    EventArrays,
    TaskBatch,
    _empty,
    _scatter,
    compute_clock_arrays,
)
from .postgres import CLOCK_COLUMNS

__all__ = [
    "CLOCK_COLUMNS",
    "EPOCH",
    "KINDS",
    "MICRO",
    "NONE",
    "STATES",
    "STATUS_CODE",
    "ClockArrays",
    "EventArrays",
    "TaskBatch",
    "clocks_recompute_tasks",
    "compute_clock_arrays",
]


def _load_events(task_ids: np.ndarray, reads: postgres.Reads | None) -> TaskBatch:
    """These tasks (those that exist) and their status events, sorted by task then time."""
    if reads is not None:
        return postgres.load_batch(task_ids, reads)
    return portable.load_batch(task_ids)


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


def _assign_slas(task_ids: list[int]) -> dict[int, int]:
    """Record the SLA of released tasks that have none yet (the same choice as a single recompute);
    returns {task id: SLA id} of the tasks that got one."""
    from sla.services import sla_select_for_task

    tasks = {
        t.pk: t for t in Task.objects.filter(pk__in=task_ids, sla=None).select_related("engagement__sla")
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
    return {task.pk: task.sla_id for task in updates}


def clocks_recompute_tasks(task_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute and store the clocks of these tasks in one transaction; returns the rows written."""
    ids = np.fromiter(task_ids, dtype=np.int64)
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        ids = np.unique(ids)
    if not len(ids):
        return 0
    now = now or timezone.now()
    read_at = timezone.now()
    on_postgres = connection.vendor == "postgresql"
    # Started before the transaction: on PostgreSQL tasks and stored clocks are read meanwhile elsewhere.
    reads = postgres.Reads(ids) if on_postgres else None
    with transaction.atomic():
        if on_postgres:
            with connection.cursor() as cursor:
                postgres.apply_read_settings(cursor, local=True)
        batch = _load_events(ids, reads)
        pending = batch.ids[batch.sla == NONE]
        if len(pending):
            assigned = _assign_slas(pending.tolist())
            if assigned:
                at = np.searchsorted(batch.ids, np.fromiter(assigned, dtype=np.int64))
                batch.sla[at] = np.fromiter(assigned.values(), dtype=np.int64)
        result = _compute(batch, now)
        if on_postgres:
            written, touched = postgres.write_clocks(batch, result, now, reads)
        else:
            written, touched = portable.write_clocks(batch, result, now), batch.ids
        _requeue_changed_meanwhile(touched, since=read_at)
        return written


def _compute(batch: TaskBatch, now: datetime) -> dict[str, ClockArrays]:
    """Every clock of the batch, one SLA (one calendar, one set of budgets) at a time."""
    events, group = batch.events, batch.group
    runs = np.flatnonzero(np.r_[True, batch.sla[1:] != batch.sla[:-1]]) if len(batch.sla) else []
    plans = _plans(s for s in set(batch.sla[runs].tolist()) if s != NONE)
    n = len(batch.ids)
    result = {kind: _empty(n) for kind in KINDS}
    now_s = int(now.timestamp())
    for sla_id in [None, *plans]:
        members = batch.sla == (NONE if sla_id is None else sla_id)
        if not members.any():
            continue
        task_index = np.flatnonzero(members)
        if len(task_index) == n:  # one SLA for the whole batch: no selection to make
            event_mask, sub_group = slice(None), group
        else:
            event_mask = members[group]
            sub_group = np.searchsorted(task_index, group[event_mask])
        t_us, status = events.t_us[event_mask], events.status[event_mask]
        plan = plans.get(sla_id)
        budgets = {kind: np.full(len(task_index), NONE, dtype=np.int64) for kind in KINDS}
        if plan is not None:
            priorities = batch.priority[task_index]
            for p_code, priority in enumerate(PRIORITIES):
                chosen = priorities == p_code
                for kind in KINDS:
                    seconds = plan.budgets.get(priority, {}).get(kind)
                    if seconds is not None:
                        budgets[kind][chosen] = seconds
            w = plan.schedule.working_seconds_at(t_us // MICRO)
            add_many = plan.schedule.add_many
        else:
            w = np.zeros(len(t_us), dtype=np.int64)
            add_many = _never
        arrays = compute_clock_arrays(
            group=sub_group,
            t_us=t_us,
            status=status,
            w=w,
            budgets=budgets,
            threshold=np.full(len(task_index), plan.threshold if plan else 0.8),
            add_many=add_many,
            now_s=now_s,
        )
        for kind in KINDS:
            _scatter(result[kind], task_index, arrays[kind])
    return result


def _requeue_changed_meanwhile(task_ids: np.ndarray, *, since: datetime) -> None:
    """Tasks that moved while this batch ran may have had a newer clock overwritten by the batch's older
    reading: recompute each again, one by one, after commit (that path locks the task and reads fresh).
    Only the tasks whose clocks the batch wrote can have been overwritten, so only those are checked."""
    from sla.tasks import recompute_task_clocks

    if not len(task_ids):
        return
    if connection.vendor == "postgresql":
        moved = postgres.moved_since(task_ids, since)
    else:
        moved = portable.moved_since(task_ids, since)
    for task_id in moved:
        transaction.on_commit(lambda task_id=task_id: recompute_task_clocks.delay(task_id))


def _never(starts, seconds):  # pragma: no cover - no budget means nothing to project
    raise AssertionError("nothing is projected without an SLA")
