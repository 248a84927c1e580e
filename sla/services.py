"""SLA writes: choosing a task's SLA, recomputing its clocks, the minute tick, and alerts.

Clocks are a function of the task's status events (sla.clocks), so every write here can run again
without changing anything: rows are replaced, alerts are unique per clock, level and cycle.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engagements.choices import TaskEventKind, TaskStatus
from engagements.models import Task
from kpo.events.choices import EventType
from kpo.events.services import event_publish

from .bulk import clocks_recompute_tasks
from .choices import AlertLevel, ClockState, JobStatus
from .clocks import Budgets, ClockResult, StatusEvent, compute_clocks
from .models import SLA, ClockRecomputeJob, SlaAlert, TaskClock

ALERT_EVENT = {AlertLevel.AT_RISK: EventType.SLA_AT_RISK, AlertLevel.BREACHED: EventType.SLA_BREACHED}


# --- which SLA measures a task --------------------------------------------------------------------


def sla_select_for_task(*, task: Task, released_at: datetime) -> tuple[SLA | None, str]:
    """The SLA that measures a task released at `released_at`, and why, deterministically.

    Candidates are the SLAs scoped to the task's engagement and effective on the release date, for the
    task's type or for every type. The most specific wins (a task-type SLA over a general one), then the
    most recent start, then the oldest row. With no candidate, the engagement's SLA in force applies.
    """
    day = released_at.date()
    candidates = (
        SLA.objects.filter(engagement_id=task.engagement_id, effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=day))
        .filter(Q(task_type="") | Q(task_type=task.task_type))
    )
    ranked = sorted(
        candidates, key=lambda sla: (sla.task_type == "", -sla.effective_from.toordinal(), sla.pk)
    )
    if ranked:
        sla = ranked[0]
        scope = (
            f"for {task.get_task_type_display().lower()} tasks" if sla.task_type else "for every task type"
        )
        return sla, f"“{sla.name}”: scoped to this engagement {scope}, effective from {sla.effective_from}"[
            :200
        ]
    engagement_sla = task.engagement.sla
    if engagement_sla is not None:
        return engagement_sla, f"“{engagement_sla.name}”: the engagement's SLA in force"[:200]
    return None, "No SLA applies to this engagement."


def _budgets(sla: SLA | None, priority: str) -> Budgets:
    if sla is None:
        return Budgets(None, None)
    target = next((t for t in sla.targets.all() if t.priority == priority), None)
    if target is None:
        return Budgets(None, None, warning_threshold=float(sla.warning_threshold))
    return Budgets(
        response_seconds=target.response_seconds,
        resolution_seconds=target.resolution_seconds,
        rework_seconds=target.rework_resolution_seconds,
        warning_threshold=float(sla.warning_threshold),
    )


# --- recomputing one task's clocks ----------------------------------------------------------------


def task_clocks_recompute(*, task_id: int, now: datetime | None = None) -> dict[str, ClockResult] | None:
    """Recompute a task's clocks from its events and raise any alert due; None when the task is gone."""
    now = now or timezone.now()
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("engagement__sla", "engagement__client", "engagement__provider", "assignee")
            .filter(pk=task_id)
            .first()
        )
        if task is None:
            return None
        history = [
            StatusEvent(at, status)
            for at, status in task.events.filter(kind=TaskEventKind.STATUS)
            .order_by("occurred_at", "id")
            .values_list("occurred_at", "to_status")
        ]
        released_at = next((e.occurred_at for e in history if e.to_status == TaskStatus.READY), None)
        if task.sla_id is None and released_at is not None:
            sla, reason = sla_select_for_task(task=task, released_at=released_at)
            if sla is not None:
                task.sla, task.sla_reason = sla, reason
                Task.objects.filter(pk=task.pk).update(sla=sla, sla_reason=reason)
        sla = (
            SLA.objects.select_related("calendar")
            .prefetch_related("targets", "calendar__intervals", "calendar__exceptions")
            .filter(pk=task.sla_id)
            .first()
        )
        budgets = _budgets(sla, task.priority)
        schedule = sla.calendar.schedule() if sla is not None else None
        if schedule is None:
            results = compute_clocks([], budgets, _NoSchedule(), now)
        else:
            results = compute_clocks(history, budgets, schedule, now)
        _store_clocks(task=task, sla=sla, results=results, now=now)
        for result in results.values():
            _alert_if_due(task=task, result=result, now=now)
    return results


class _NoSchedule:
    """Without an SLA nothing is measured; compute_clocks never asks this for time."""

    def between(self, start, end):  # pragma: no cover - never called without a budget
        raise AssertionError("no schedule")

    def add(self, start, seconds):  # pragma: no cover
        raise AssertionError("no schedule")


def _store_clocks(*, task: Task, sla: SLA | None, results: dict[str, ClockResult], now: datetime) -> None:
    existing = {clock.kind: clock for clock in TaskClock.objects.filter(task=task)}
    for kind, result in results.items():
        values = _clock_values(result, sla=sla, priority=task.priority, now=now)
        clock = existing.get(kind)
        if clock is None:
            TaskClock.objects.create(task=task, kind=kind, **values)
            continue
        # Replace, never append; skip the write when nothing but the timestamp would change.
        if any(getattr(clock, f) != v for f, v in values.items() if f != "computed_at"):
            for field, value in values.items():
                setattr(clock, field, value)
            clock.save(update_fields=list(values))


def _clock_values(result: ClockResult, *, sla: SLA | None, priority: str, now: datetime) -> dict:
    return {
        "sla_id": sla.pk if sla is not None else None,
        "priority": priority if result.target_seconds is not None else "",
        "state": result.state,
        "target_seconds": result.target_seconds,
        "elapsed_seconds": result.elapsed_seconds,
        "paused_seconds": result.paused_seconds,
        "started_at": result.started_at,
        "stopped_at": result.stopped_at,
        "segment_started_at": result.segment_started_at,
        "due_at": result.due_at,
        "at_risk_at": result.at_risk_at,
        "computed_at": now,
    }


# --- alerts --------------------------------------------------------------------------------------


def _alert_if_due(*, task: Task, result: ClockResult, now: datetime) -> None:
    if result.state == ClockState.BREACHED:
        sla_alert_raise(
            task=task,
            clock_kind=result.kind,
            level=AlertLevel.BREACHED,
            cycle_started_at=result.started_at,
            now=now,
        )
    elif result.state == ClockState.AT_RISK:
        sla_alert_raise(
            task=task,
            clock_kind=result.kind,
            level=AlertLevel.AT_RISK,
            cycle_started_at=result.started_at,
            now=now,
        )


def sla_alert_raise(
    *, task: Task, clock_kind: str, level: str, cycle_started_at: datetime, now: datetime
) -> bool:
    """Record the alert and publish its event, once per clock, level and cycle; False when already raised."""
    with transaction.atomic():  # the alert and its event together, or neither
        return _alert_and_publish(
            task=task, clock_kind=clock_kind, level=level, cycle_started_at=cycle_started_at, now=now
        )


def _alert_and_publish(*, task, clock_kind: str, level: str, cycle_started_at, now) -> bool:
    alert, created = SlaAlert.objects.get_or_create(
        task=task,
        clock_kind=clock_kind,
        level=level,
        cycle_started_at=cycle_started_at,
        defaults={"raised_at": now},
    )
    if not created:
        return False
    event_publish(
        event_type=ALERT_EVENT[level],
        engagement=task.engagement,
        occurred_at=now,
        payload={
            "task_id": task.pk,
            "task_title": task.title,
            "task_url": task.get_absolute_url(),
            "engagement_id": task.engagement_id,
            "clock": clock_kind,
            "level": level,
            "priority": task.priority,
            "alert_id": alert.pk,
            "assignee_user_id": task.assignee.user_id if task.assignee else None,
        },
    )
    return True


# --- the minute tick -----------------------------------------------------------------------------

TICK_BATCH = 2000


def clocks_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Flip running clocks to at_risk and breached by their stored instants and alert once.

    Two indexed range scans (partial indexes on due_at and at_risk_at); no business-time arithmetic.
    """
    now = now or timezone.now()
    counts = {AlertLevel.BREACHED: 0, AlertLevel.AT_RISK: 0}
    for level, condition, new_state in (
        (
            AlertLevel.BREACHED,
            Q(state__in=[ClockState.RUNNING, ClockState.AT_RISK], due_at__lt=now),
            ClockState.BREACHED,
        ),
        (AlertLevel.AT_RISK, Q(state=ClockState.RUNNING, at_risk_at__lte=now), ClockState.AT_RISK),
    ):
        while True:
            with transaction.atomic():
                flipped = list(
                    TaskClock.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(condition)
                    .select_related("task__engagement", "task__assignee")
                    .order_by("id")[:TICK_BATCH]
                )
                if not flipped:
                    break
                TaskClock.objects.filter(pk__in=[c.pk for c in flipped]).update(state=new_state)
                for clock in flipped:
                    sla_alert_raise(
                        task=clock.task,
                        clock_kind=clock.kind,
                        level=level,
                        cycle_started_at=clock.started_at,
                        now=now,
                    )
            counts[level] += len(flipped)
            if len(flipped) < TICK_BATCH:
                break
    return {str(k): v for k, v in counts.items()}


# --- bulk recomputation with progress --------------------------------------------------------------

RECOMPUTE_BATCH = 20_000


def clock_job_request(*, engagement=None, reason: str, actor=None) -> ClockRecomputeJob:
    """Queue a bulk recompute of an engagement's clocks (or all clocks) after commit; the job shows progress."""
    from .tasks import run_clock_job  # the task module imports this one

    job = ClockRecomputeJob.objects.create(engagement=engagement, reason=reason[:200], requested_by=actor)
    transaction.on_commit(lambda: run_clock_job.delay(job.pk))
    return job


def clock_job_run(
    *, job_id: int, batch_size: int = RECOMPUTE_BATCH, progress=None
) -> ClockRecomputeJob | None:
    """Run a queued (or interrupted) job in batches, recording progress after each; safe to run again.

    A worker that dies mid-job leaves it `running` with its progress; the redelivered task starts over
    (every batch is an idempotent upsert), so the outcome is the same.
    """
    claimed = ClockRecomputeJob.objects.filter(
        pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(status=JobStatus.RUNNING, started_at=timezone.now(), done=0, error="")
    if not claimed:
        return None
    job = ClockRecomputeJob.objects.get(pk=job_id)
    tasks = Task.objects.exclude(status=TaskStatus.DRAFT)
    if job.engagement_id is not None:
        tasks = tasks.filter(engagement_id=job.engagement_id)
    task_ids = list(tasks.order_by("pk").values_list("pk", flat=True))
    ClockRecomputeJob.objects.filter(pk=job_id).update(total=len(task_ids))
    try:
        for offset in range(0, len(task_ids), batch_size):
            batch = task_ids[offset : offset + batch_size]
            clocks_recompute_tasks(batch)
            done = offset + len(batch)
            ClockRecomputeJob.objects.filter(pk=job_id).update(done=done)
            if progress is not None:
                progress(done, len(task_ids))
        _alert_open_clocks(task_ids)
    except Exception as exc:
        ClockRecomputeJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    ClockRecomputeJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _alert_open_clocks(task_ids: list[int]) -> None:
    """After a bulk recompute, alert open clocks now at risk or breached (history is not re-alerted)."""
    now = timezone.now()
    open_clocks = (
        TaskClock.objects.filter(task_id__in=task_ids, stopped_at__isnull=True)
        .filter(state__in=[ClockState.AT_RISK, ClockState.BREACHED])
        .select_related("task__engagement", "task__assignee")
    )
    for clock in open_clocks.iterator(chunk_size=2000):
        with transaction.atomic():
            sla_alert_raise(
                task=clock.task,
                clock_kind=clock.kind,
                level=AlertLevel.BREACHED if clock.state == ClockState.BREACHED else AlertLevel.AT_RISK,
                cycle_started_at=clock.started_at,
                now=now,
            )


def engagement_set_sla(*, engagement, sla: SLA | None, actor=None) -> ClockRecomputeJob:
    """Put another SLA in force on an engagement: its tasks are re-measured in bulk, time used kept."""
    from engagements.services import engagement_roles_may_change_terms
    from kpo.core.audit import audit_record

    engagement_roles_may_change_terms(engagement=engagement, actor=actor)
    with transaction.atomic():
        previous = engagement.sla
        engagement.sla = sla
        engagement.save(update_fields=["sla", "updated_at"])
        # The recorded choice is re-made under the new terms by the recompute.
        Task.objects.filter(engagement=engagement).update(sla=None, sla_reason="")
        audit_record(
            actor=actor,
            action="engagement.sla_changed",
            obj=engagement,
            changes={"from": getattr(previous, "name", None), "to": getattr(sla, "name", None)},
        )
        return clock_job_request(
            engagement=engagement, reason=f"SLA changed to {getattr(sla, 'name', 'none')}", actor=actor
        )


def calendar_changed(*, calendar, actor=None) -> list[ClockRecomputeJob]:
    """A calendar's hours or dates changed: re-measure every engagement whose SLAs use it."""
    from engagements.models import Engagement

    engagements = Engagement.objects.filter(
        Q(sla__calendar=calendar) | Q(scoped_slas__calendar=calendar)
    ).distinct()
    with transaction.atomic():  # every affected engagement's job queued, or none
        return [
            clock_job_request(
                engagement=engagement, reason=f"Calendar “{calendar.name}” changed", actor=actor
            )
            for engagement in engagements
        ]
