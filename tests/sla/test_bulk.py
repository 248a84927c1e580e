"""The vectorised bulk recompute agrees with the per-task clock rules, and stores the same rows."""

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from engagements.choices import TASK_TRANSITIONS, TaskStatus
from engagements.models import TaskEvent
from engagements.services import task_transition
from sla.bulk import (
    CLOCK_COLUMNS,
    EPOCH,
    KINDS,
    MICRO,
    NONE,
    STATES,
    STATUS_CODE,
    clocks_recompute_tasks,
    compute_clock_arrays,
)
from sla.bulk.postgres import is_dense
from sla.calendar import Schedule
from sla.clocks import Budgets, StatusEvent, compute_clocks
from sla.models import TaskClock
from sla.services import task_clocks_recompute
from tests.factories import SLAFactory, make_engagement, make_task

SCHEDULES = {
    "Europe/Paris": Schedule(
        "Europe/Paris", {d: [("09:00", "12:30"), ("13:30", "18:00")] for d in range(5)}, holiday_country="FR"
    ),
    "Asia/Kolkata": Schedule("Asia/Kolkata", {d: [("09:30", "18:30")] for d in range(6)}),
}
START = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)  # a week before Paris changes to summer time


def random_history(rng: random.Random, *, steps: int) -> list[tuple[datetime, str]]:
    """A legal walk through the status machine with gaps from minutes to days."""
    status, at = TaskStatus.DRAFT, START + timedelta(minutes=rng.randrange(0, 3000))
    history = [(at, status)]
    for _ in range(steps):
        options = [s for s in TASK_TRANSITIONS[status] if s != TaskStatus.CANCELLED]
        if not options:
            break
        # Cancelling is rare, as in life; otherwise the walk would end there most of the time.
        status = TaskStatus.CANCELLED if rng.random() < 0.05 else rng.choice(options)
        at += timedelta(
            seconds=rng.choice([60, 900, 3600, 4 * 3600, 86400, 3 * 86400]) + rng.randrange(0, 600)
        )
        history.append((at, status))
    return history


def scalar(history, budgets, schedule, now):
    events = [StatusEvent(at, s) for at, s in history]
    return compute_clocks(events, budgets, schedule, now)


def vectorised(histories, budgets, schedule, now):
    group = np.concatenate([np.full(len(h), i) for i, h in enumerate(histories)])
    t_us = np.array(
        [(at - EPOCH) // timedelta(microseconds=1) for h in histories for at, _ in h], dtype=np.int64
    )
    status = np.array([STATUS_CODE[s] for h in histories for _, s in h], dtype=np.int64)
    n = len(histories)
    budget_arrays = {
        "response": np.full(n, budgets.response_seconds if budgets.response_seconds else NONE),
        "resolution": np.full(n, budgets.resolution_seconds if budgets.resolution_seconds else NONE),
        "rework": np.full(n, budgets.rework_seconds if budgets.rework_seconds else NONE),
    }
    return compute_clock_arrays(
        group=group,
        t_us=t_us,
        status=status,
        w=schedule.working_seconds_at(t_us // MICRO),
        budgets=budget_arrays,
        threshold=np.full(n, budgets.warning_threshold),
        add_many=schedule.add_many,
        now_s=int(now.timestamp()),
    )


def as_instant(us):
    return None if us == NONE else EPOCH + int(us) * timedelta(microseconds=1)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    zone=st.sampled_from(sorted(SCHEDULES)),
    rework=st.sampled_from([None, 4 * 3600]),
    now_offset_hours=st.integers(0, 24 * 30),
)
def test_vectorised_clocks_equal_the_per_task_rules(seed, zone, rework, now_offset_hours):
    rng = random.Random(seed)
    schedule = SCHEDULES[zone]
    budgets = Budgets(2 * 3600, 16 * 3600, rework, warning_threshold=0.8)
    histories = [random_history(rng, steps=rng.randrange(0, 9)) for _ in range(25)]
    now = max(h[-1][0] for h in histories) + timedelta(hours=now_offset_hours)
    arrays = vectorised(histories, budgets, schedule, now)
    for i, history in enumerate(histories):
        expected = scalar(history, budgets, schedule, now)
        for kind in KINDS:
            got, want = arrays[kind], expected[kind]
            assert STATES[got.state[i]] == want.state, (kind, history)
            assert got.elapsed[i] == want.elapsed_seconds, (kind, history)
            assert got.paused[i] == want.paused_seconds, (kind, history)
            assert as_instant(got.started[i]) == want.started_at
            assert as_instant(got.stopped[i]) == want.stopped_at
            assert as_instant(got.segment[i]) == want.segment_started_at
            assert as_instant(got.due[i]) == want.due_at, (kind, history)
            assert as_instant(got.at_risk[i]) == want.at_risk_at, (kind, history)


FIELDS = ["task_id", "kind", *(c for c in CLOCK_COLUMNS if c != "computed_at")]


def stored(task_ids=None):
    clocks = TaskClock.objects.order_by("task_id", "kind")
    if task_ids is not None:
        clocks = clocks.filter(task_id__in=task_ids)
    return list(clocks.values_list(*FIELDS))


def make_history_tasks(world, operator, count=30):
    """`count` tasks of one SLA engagement, each walked through a random history."""
    sla = SLAFactory(
        name="Bulk SLA", calendar=world.provider_p.default_calendar, effective_from=date(2025, 1, 1)
    )
    engagement = make_engagement(
        client=world.client_a,
        provider=world.provider_p,
        title="Bulk desk",
        service_line=world.service_line,
        sla=sla,
        actor=operator,
    )
    rng = random.Random(7)
    tasks = []
    for number in range(count):
        history = random_history(rng, steps=rng.randrange(1, 9))
        task = make_task(
            engagement=engagement,
            title=f"Bulk {number}",
            actor=operator,
            at=history[0][0],
            priority=rng.choice(["P1", "P2", "P3", "P4"]),
        )
        for at, status in history[1:]:
            task_transition(task=task, to=status, actor=operator, version=task.version, at=at)
        tasks.append(task)
    return tasks


NOW = datetime(2026, 5, 1, tzinfo=UTC)

# Which tasks of the 30 a batch holds: all (one id range), every other (a range with gaps) and a few far
# apart (sparse): the three ways the PostgreSQL path selects a batch's rows.
SELECTIONS = {
    "all": lambda tasks: tasks,
    "every_other": lambda tasks: tasks[::2],
    "scattered": lambda tasks: [tasks[0], tasks[13], tasks[-1]],
}


@pytest.mark.django_db
@pytest.mark.parametrize("selection", sorted(SELECTIONS))
def test_bulk_recompute_stores_what_the_per_task_recompute_stores(world, operator, selection):
    tasks = make_history_tasks(world, operator)
    for task in tasks:
        task_clocks_recompute(task_id=task.pk, now=NOW)
    chosen = [t.pk for t in SELECTIONS[selection](tasks)]
    assert is_dense(np.array(chosen)) == (selection != "scattered")
    per_task = stored(chosen)
    TaskClock.objects.filter(task_id__in=chosen).delete()
    written = clocks_recompute_tasks(chosen, now=NOW)
    assert written == len(chosen) * 3
    assert stored(chosen) == per_task
    # Again over existing, equal rows: nothing to write (PostgreSQL diffs) or an upsert, never a duplicate.
    clocks_recompute_tasks(chosen, now=NOW)
    assert stored(chosen) == per_task
    # A stored clock that differs (tampered with here) is put right; the others are left as they are.
    victim = chosen[-1]
    TaskClock.objects.filter(task_id=victim).update(elapsed_seconds=12345, state="breached")
    clocks_recompute_tasks(chosen, now=NOW)
    assert stored(chosen) == per_task


@pytest.mark.django_db
def test_bulk_recompute_of_unsorted_repeated_ids_and_a_task_without_history(world, operator):
    tasks = make_history_tasks(world, operator, count=6)
    lone = tasks[2]
    TaskEvent.objects.filter(task=lone).delete()  # a legacy task with no recorded events
    for task in tasks:
        task_clocks_recompute(task_id=task.pk, now=NOW)
    per_task = stored()
    TaskClock.objects.all().delete()
    ids = [t.pk for t in tasks]
    clocks_recompute_tasks([*reversed(ids), ids[0], 10**9], now=NOW)  # an unknown id is skipped
    assert stored() == per_task
    assert set(TaskClock.objects.filter(task=lone).values_list("state", flat=True)) == {"not_applicable"}


@pytest.mark.django_db(transaction=True)
def test_bulk_recompute_outside_a_transaction_reads_on_a_second_connection(world, operator, monkeypatch):
    """Called in autocommit (a worker), PostgreSQL reads tasks and stored clocks on a second connection
    meanwhile; the result is the same as the per-task path's."""
    import sla.bulk.postgres as pg

    tasks = make_history_tasks(world, operator, count=12)
    for task in tasks:
        task_clocks_recompute(task_id=task.pk, now=NOW)
    per_task = stored()
    submitted = []
    original = pg._Elsewhere.submit
    monkeypatch.setattr(pg._Elsewhere, "submit", lambda self, *a: submitted.append(a) or original(self, *a))
    TaskClock.objects.filter(task__in=tasks[::3]).delete()
    TaskClock.objects.filter(task=tasks[1], kind="response").update(paused_seconds=99)
    ids = [t.pk for t in tasks]
    written = clocks_recompute_tasks(ids, now=NOW)
    assert stored() == per_task
    if connection.vendor == "postgresql":
        assert len(submitted) == 2  # the task rows and the stored clocks, elsewhere
        assert written == 4 * 3 + 1  # only the missing and the changed clocks were written
        assert clocks_recompute_tasks(ids, now=NOW) == 0
        sparse = [ids[0], ids[-1]]
        assert not pg.is_dense(np.array(sparse))
        TaskClock.objects.filter(task_id__in=sparse, kind="response").update(elapsed_seconds=4242)
        assert clocks_recompute_tasks(sparse, now=NOW) == 2
        assert stored() == per_task


@pytest.mark.django_db
def test_a_task_moving_during_a_bulk_batch_is_measured_again_afterwards(
    world, provider_manager, monkeypatch, django_capture_on_commit_callbacks
):
    import sla.bulk as bulk

    task = world.task_ap_ready
    original = bulk._load_events

    def load_then_someone_moves_the_task(task_ids, *reads):
        events = original(task_ids, *reads)  # the batch has read the old history...
        # ...meanwhile a transition commits and its worker stores the newer clock (simulated in line)...
        with monkeypatch.context() as patch:
            patch.setattr("engagements.services.task._recompute_clocks_on_commit", lambda task_id: None)
            task_transition(
                task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version
            )
        task_clocks_recompute(task_id=task.pk)
        return events  # ...and the batch then writes clocks from its older reading

    monkeypatch.setattr(bulk, "_load_events", load_then_someone_moves_the_task)
    with django_capture_on_commit_callbacks(execute=True):
        clocks_recompute_tasks([task.pk])
    response = TaskClock.objects.get(task=task, kind="response")
    assert response.stopped_at is not None  # the newer event is reflected, not overwritten
