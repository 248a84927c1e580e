"""Real services for `services` tests: PostgreSQL, Redis and a Celery worker process.

Without them these tests skip; with KPO_REQUIRE_SERVICES=1 (CI) a missing service fails instead.
"""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.db import connection

WORKER_READY_TIMEOUT = 60


def services_missing() -> str | None:
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return f"the database is {connection.vendor}, not PostgreSQL (set DATABASE_URL)"
    return None


def require_services() -> None:
    reason = services_missing()
    if reason is None:
        return
    if os.environ.get("KPO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"KPO_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def worker_database_url() -> str:
    """The URL of pytest-django's test database, for processes outside this one."""
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess whose output is collected for failure messages."""

    def __init__(self, *, pool: str = "solo"):
        self.name = f"kpo-test-{uuid.uuid4().hex[:8]}@%h"
        # A failed webhook is retried after 3 s instead of 30, so the retry tests wait less.
        env = dict(
            os.environ,
            DATABASE_URL=worker_database_url(),
            PYTHONUNBUFFERED="1",
            KPO_WEBHOOK_FIRST_RETRY_SECONDS="3",
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kpo",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--purge",
                "-n",
                self.name,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            if " ready." in line:
                self._ready.set()

    def wait_ready(self) -> None:
        if not self._ready.wait(WORKER_READY_TIMEOUT):
            self.stop()
            pytest.fail("The Celery worker did not start:\n" + self.output())

    def output(self) -> str:
        return "\n".join(self.lines[-80:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real worker on the test database and the run's Redis; tasks in the test are sent to it."""
    require_services()
    from kpo.celery import app

    assert not app.conf.task_always_eager, "services tests must not run Celery eagerly"
    worker = WorkerProcess()
    worker.wait_ready()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1, worker: WorkerProcess | None = None):
    """Poll until predicate() is truthy; fail with the worker's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    log = f"\nworker log:\n{worker.output()}" if worker else ""
    pytest.fail(f"condition not met within {timeout} s{log}")
