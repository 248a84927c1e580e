"""Event to updated SLA clock through a real Celery worker: p50 / p95 over 1,000 transitions.

A real worker (prefork, 2 processes) consumes from Redis; this process moves tasks between in_progress and
on_hold through the status machine and polls until the worker has stored the matching clock state.
Needs PostgreSQL and Redis on this machine; figures only.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, bench_database, postgres_available  # noqa: E402

TRANSITIONS = int(os.environ.get("KPO_BENCH_TRANSITIONS", "1000"))
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
        return True
    except Exception:
        return False


def main() -> None:
    if not postgres_available() or not redis_available():
        print("bench_sla_latency: PostgreSQL or Redis is not reachable; skipped")
        return
    queue = f"kpo-bench-{uuid.uuid4().hex[:8]}"
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["KPO_CELERY_QUEUE"] = queue
    with bench_database("latency") as name:
        from datetime import date

        from engagements.choices import TaskStatus
        from engagements.services import task_transition
        from sla.choices import ClockKind, ClockState
        from sla.models import TaskClock
        from tests.factories import SLAFactory, UserFactory, make_engagement, make_task

        operator = UserFactory(email="bench@kpo.local", is_staff=True)
        sla = SLAFactory(name="Latency SLA", effective_from=date(2020, 1, 1))
        engagement = make_engagement(sla=sla, actor=operator)
        tasks = [
            make_task(engagement=engagement, actor=operator, status=TaskStatus.IN_PROGRESS) for _ in range(20)
        ]

        env = dict(os.environ, DATABASE_URL=os.environ["DATABASE_URL"], PYTHONUNBUFFERED="1")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kpo",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the pool children are stopped with it
        )
        lines: list[str] = []
        threading.Thread(target=lambda: [lines.append(x) for x in worker.stdout], daemon=True).start()
        try:
            from kpo.celery import app

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
                        break
                except Exception:  # the broker connection may still be starting
                    time.sleep(0.2)
            latencies = []
            for number in range(TRANSITIONS):
                task = tasks[number % len(tasks)]
                to = TaskStatus.ON_HOLD if task.status == TaskStatus.IN_PROGRESS else TaskStatus.IN_PROGRESS
                expected = ClockState.PAUSED if to == TaskStatus.ON_HOLD else None
                started = time.perf_counter()
                task_transition(task=task, to=to, actor=operator, version=task.version)
                while True:
                    clock = (
                        TaskClock.objects.filter(task=task, kind=ClockKind.RESOLUTION)
                        .values_list("state", "segment_started_at")
                        .first()
                    )
                    done = clock is not None and (
                        clock[0] == expected
                        if expected
                        else clock[0] in {ClockState.RUNNING, ClockState.AT_RISK, ClockState.BREACHED}
                    )
                    if (
                        done
                        and clock[1] is not None
                        and clock[1] >= task.events.latest("occurred_at").occurred_at
                    ):
                        break
                    if time.perf_counter() - started > 30:
                        raise SystemExit(
                            "the worker did not update the clock within 30 s:\n" + "".join(lines[-30:])
                        )
                    time.sleep(0.002)
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a warm shutdown stuck on a pool child: stop them all
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"event -> stored clock through a real worker ({TRANSITIONS} transitions, database {name}):")
    print(
        f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {latencies[-1]:.1f} ms   "
        f"(goal p95 < 250 ms: {'met' if p95 < 250 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
