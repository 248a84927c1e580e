"""A render worker killed mid-render, for real: a prefork Celery worker on PostgreSQL and Redis renders a long
report, its pool process is SIGKILLed while the version is `rendering`, and nothing half-done is ever ready.

What the design promises (reports/services/render.py, reports/tasks.py): the killed render's message is
rejected and queued again (acks_late + reject_on_worker_lost) with the same task id, and that redelivery
takes its own lease over at once (the worker that held it is dead), so the version goes from `rendering`
to `ready` without waiting for the lease to expire: a whole PDF whose SHA-256 is the stored one, never a
half file. A render killed MAX_ATTEMPTS times ends `failed` with a reason the user can read.
Skips without the services; with KPO_REQUIRE_SERVICES=1 (CI) a missing service fails instead.
"""

import contextlib
import hashlib
import os
import re
import signal
import uuid
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
import redis
from django.test.utils import override_settings
from pypdf import PdfReader

from kpo.events.choices import EventType
from kpo.events.models import DomainEvent
from reports.choices import ReportStatus
from reports.models import ReportVersion
from reports.services import finding_create, report_render_request, report_renders_recover
from reports.services.render import MAX_ATTEMPTS

from ..services.conftest import WorkerProcess, require_services, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Enough findings with long markdown tables (about 50 pages) that WeasyPrint takes seconds, not
# milliseconds: a kill during its layout step lands well before the PDF could be stored.
FINDINGS = 12
TABLE_ROWS = 30
RENDER_TASK = "reports.tasks.render_report_version"


@pytest.fixture
def recycle_after_each_task(monkeypatch):
    """The issue's "recycled after N renders" with N = 1, so a test can watch it happen."""
    monkeypatch.setenv("CELERY_WORKER_MAX_TASKS_PER_CHILD", "1")


@pytest.fixture
def render_queue(tmp_path, monkeypatch):
    """A queue and a media root of this test's own, for this process and the worker it starts.

    The queue keeps the worker from taking other tests' tasks (and them from taking its own); the shared
    MEDIA_ROOT lets this process read back the PDF the worker stored.
    """
    require_services()
    from kpo.celery import app

    assert not app.conf.task_always_eager, "services tests must not run Celery eagerly"
    queue = f"kpo-test-kill-{uuid.uuid4().hex[:8]}"
    media = tmp_path / "media"
    # The worker's environment is this process's when it starts: only the worker reads these.
    monkeypatch.setenv("KPO_CELERY_QUEUE", queue)
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    # This process sends to the same queue (the router reads the default queue at every send).
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with override_settings(MEDIA_ROOT=str(media)):
            yield SimpleNamespace(name=queue, media=media)
    finally:
        app.conf.task_default_queue = previous_queue
        # The queue's list and kombu's binding keys go with it (the report.ready dispatch is still there).
        broker = redis.Redis.from_url(os.environ["REDIS_URL"])
        if keys := list(broker.scan_iter(match=f"*{queue}*")):
            broker.delete(*keys)


@pytest.fixture
def long_report(report, consultant_analyst, render_queue):
    """The conftest's report with a dozen more findings, each a 30-row markdown table."""
    for number in range(1, FINDINGS + 1):
        finding_create(
            report=report,
            actor=consultant_analyst,
            title=f"Delivery sample {number}",
            evidence=long_evidence(number),
        )
    return report


@pytest.fixture
def render_worker(render_queue, long_report):
    """A prefork worker with one pool process, started once the report exists: its `--purge` drops the
    world's event messages, so the renders are its only work."""
    worker = WorkerProcess(pool="prefork")
    worker.media, worker.pool_processes = render_queue.media, set()
    try:
        worker.wait_ready()
        yield worker
    finally:
        # Every process the worker forked is ended by its id, whatever state the test left it in.
        with contextlib.suppress(psutil.NoSuchProcess):
            worker.pool_processes.update(p.pid for p in psutil.Process(worker.process.pid).children())
        worker.stop()
        for pid in worker.pool_processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()


def long_evidence(number: int) -> str:
    header = "| Task | Released | Delivered | Turnaround (h) | Reviewer | Accuracy | Note |\n"
    header += "|---|---|---|---:|---|---:|---|\n"
    rows = "".join(
        f"| T-{number:02d}-{row:03d} | 2026-06-{row % 28 + 1:02d} 09:00 | 2026-06-{row % 28 + 1:02d} 17:30 "
        f"| {8 + row % 5}.5 | Reviewer {row % 7} | {90 + row % 10}.0% | Citation checked against the "
        f"filing; figures reconciled with the peer table, source page {row * 3 + 1} |\n"
        for row in range(TABLE_ROWS)
    )
    return f"Deliveries sampled for finding {number}:\n\n{header}{rows}\nAll times in the provider's zone."


def version_state(version: ReportVersion) -> tuple:
    return (
        ReportVersion.objects.filter(pk=version.pk)
        .values_list("status", "attempts", "file", "file_sha256", "lease_expires_at")
        .get()
    )


def pool_process(worker) -> psutil.Process:
    """The worker's only pool process: the one running the render."""
    children = psutil.Process(worker.process.pid).children()
    assert len(children) == 1, f"expected one pool process, found {children}"
    worker.pool_processes.add(children[0].pid)
    return children[0]


def log_lines(worker, *needles: str) -> list[str]:
    return [line for line in list(worker.lines) if all(needle in line for needle in needles)]


def pool_name(line: str) -> str:
    """The pool process a worker log line came from, e.g. ForkPoolWorker-3."""
    return re.search(r"/(ForkPoolWorker-\d+)\]", line).group(1)


def kill_render(worker, version: ReportVersion, *, attempt: int, in_layout: bool) -> str:
    """Wait for the worker's attempt-th claim of the version (and, if in_layout, for WeasyPrint to be
    laying out pages), SIGKILL the pool process, and return that process's name."""
    layout_lines_before = len(log_lines(worker, "Step 5 - Creating layout"))
    wait_for(
        lambda: version_state(version)[:2] == (ReportStatus.RENDERING, attempt),
        timeout=30,
        interval=0.02,
        worker=worker,
    )
    if in_layout:
        wait_for(
            lambda: len(log_lines(worker, "Step 5 - Creating layout")) > layout_lines_before,
            timeout=30,
            interval=0.02,
            worker=worker,
        )
    victim = pool_process(worker)
    os.kill(victim.pid, signal.SIGKILL)
    lost = wait_for(
        lambda: log_lines(worker, f"pid:{victim.pid} exited with 'signal 9 (SIGKILL)'"), worker=worker
    )
    status, attempts, file, file_sha256, _lease = version_state(version)
    assert status != ReportStatus.READY, (
        f"the render ended before the kill: make the report longer\n{worker.output()}"
    )
    # The killed attempt wrote nothing. Its message comes back at once: by this read the redelivery may
    # have claimed the next attempt already (or, after the last attempt, failed the version).
    assert (file, file_sha256) == ("", "")
    assert attempts in (attempt, attempt + 1), (attempts, attempt)
    return re.search(r"Process '(ForkPoolWorker-\d+)'", lost[0]).group(1)


def test_a_render_killed_mid_pdf_is_never_ready_half_written_and_its_redelivery_renders_it_whole(
    recycle_after_each_task, render_queue, long_report, render_worker, consultant_analyst
):
    worker = render_worker
    version, created = report_render_request(report=long_report, actor=consultant_analyst)
    assert created

    # Killed mid-layout (kill_render checks): still `rendering`, no file, no SHA.
    killed_in = kill_render(worker, version, attempt=1, in_layout=True)
    assert not ReportVersion.objects.filter(report=long_report, status=ReportStatus.READY).exists()
    assert not DomainEvent.objects.filter(event_type=EventType.REPORT_READY).exists()

    # The message comes back (reject_on_worker_lost) with its own task id: it takes its lease over at
    # once, without waiting for the lease to expire and the recovery sweep.
    finished = wait_for(
        lambda: (
            log_lines(worker, RENDER_TASK, "succeeded", "'ready'")
            or version_state(version)[0] == ReportStatus.FAILED
        ),
        timeout=90,
        interval=0.2,
        worker=worker,
    )
    version.refresh_from_db()
    assert version.status == ReportStatus.READY, version.error
    assert (version.attempts, version.lease_expires_at, version.error) == (2, None, "")
    pdf = Path(render_queue.media, version.file.name).read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(pdf).hexdigest() == version.file_sha256
    assert len(pdf) == version.file_size
    assert len(PdfReader(version.file.path).pages) == version.page_count > 40
    # The whole PDF is the only file: nothing the killed render wrote is left beside it.
    assert list(render_queue.media.rglob("*.pdf")) == [Path(version.file.path)]
    long_report.refresh_from_db()
    assert (long_report.status, long_report.last_error) == (ReportStatus.READY, "")
    ready = DomainEvent.objects.get(event_type=EventType.REPORT_READY)
    assert ready.payload["file_sha256"] == version.file_sha256
    assert report_renders_recover() == 0  # nothing left for the sweep

    # The killed run and the one that rendered were different pool processes (recycled after each task).
    assert killed_in != pool_name(finished[0])


def test_a_render_killed_every_time_ends_failed_with_a_readable_reason(
    render_queue, long_report, render_worker, consultant_analyst
):
    worker = render_worker
    version, _created = report_render_request(report=long_report, actor=consultant_analyst)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # Killed as soon as it is claimed; the redelivered message claims it again (next attempt).
        kill_render(worker, version, attempt=attempt, in_layout=False)

    # The last redelivery finds the attempts used up and its own run dead: failed at once, with why.
    wait_for(
        lambda: version_state(version)[0] == ReportStatus.FAILED, timeout=60, interval=0.2, worker=worker
    )
    version.refresh_from_db()
    assert (
        version.error
        == f"The renderer stopped before finishing {MAX_ATTEMPTS} times; generate the PDF again."
    )
    assert (version.file.name, version.file_sha256, version.lease_expires_at) == ("", "", None)
    long_report.refresh_from_db()
    assert (long_report.status, long_report.last_error) == (ReportStatus.FAILED, version.error)
    assert report_renders_recover() == 0
    assert not DomainEvent.objects.filter(event_type=EventType.REPORT_READY).exists()
    assert not list(render_queue.media.rglob("*.pdf"))
