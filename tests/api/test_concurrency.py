"""Many clients move the same task at once: exactly one wins per version, no lost update, a consistent log.

Needs PostgreSQL (threads with their own connections and real row locks). On SQLite it is skipped, unless
KPO_REQUIRE_SERVICES=1 (CI), where a missing PostgreSQL fails the run instead.
"""

import os
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from engagements.choices import TaskEventKind, TaskStatus
from engagements.models import Task, TaskEvent
from tests.factories import advance_task

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 12


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor == "postgresql":
        return
    reason = (
        f"concurrent transitions need PostgreSQL row locks and one connection per thread; the database is "
        f"{connection.vendor} (set DATABASE_URL)"
    )
    if os.environ.get("KPO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"KPO_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def run_together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at the same instant; their results in order."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def target(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as error:  # report, never hang the test
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_one_winner_per_version(world, provider_manager):
    task = world.task_ap_ready
    start_version = task.version
    etag = f'"{task.pk}-{start_version}"'

    def move(i):
        client = APIClient()
        client.force_authenticate(provider_manager)
        response = client.post(
            f"/api/v1/tasks/{task.pk}/transition/",
            {"to": "in_progress", "note": f"client {i}"},
            HTTP_IF_MATCH=etag,
        )
        return response.status_code

    codes = run_together(CLIENTS, move)
    assert codes.count(200) == 1, codes
    # Losers see either the moved status (409: no longer a legal move) or the new version (412).
    assert set(codes) <= {200, 409, 412}, codes
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.version == start_version + 1
    moves = TaskEvent.objects.filter(task=task, kind=TaskEventKind.STATUS, to_status=TaskStatus.IN_PROGRESS)
    assert moves.count() == 1


def test_no_lost_update_under_contention(world, operator):
    """Clients loop read-ETag → toggle on_hold/in_progress; every accepted write is one event and one version."""
    task = advance_task(world.task_ap_ready, TaskStatus.IN_PROGRESS, actor=operator)
    start_version = task.version
    attempts = 6

    def toggle(i):
        client = APIClient()
        client.force_authenticate(operator)
        won = 0
        for _ in range(attempts):
            current = client.get(f"/api/v1/tasks/{task.pk}/")
            to = "on_hold" if current.json()["status"] == "in_progress" else "in_progress"
            response = client.post(
                f"/api/v1/tasks/{task.pk}/transition/", {"to": to}, HTTP_IF_MATCH=current["ETag"]
            )
            assert response.status_code in (200, 409, 412), response.content
            won += response.status_code == 200
        return won

    outcomes = run_together(8, toggle)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    wins = sum(outcomes)
    assert wins >= 1
    task = Task.objects.get(pk=task.pk)
    assert task.version == start_version + wins
    versions = list(
        TaskEvent.objects.filter(task=task, task_version__gt=start_version)
        .order_by("task_version")
        .values_list("task_version", flat=True)
    )
    assert versions == list(range(start_version + 1, task.version + 1))
    # The log replays to the stored status: each event starts where the previous ended.
    events = list(TaskEvent.objects.filter(task=task, kind=TaskEventKind.STATUS).order_by("task_version"))
    for previous, event in zip(events, events[1:], strict=False):
        assert event.from_status == previous.to_status
    assert events[-1].to_status == task.status
