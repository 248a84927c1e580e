"""Celery tasks for the SLA engine: thin wrappers that take ids and call services."""

from celery import shared_task

from . import services

# Redelivered after a worker dies (acks_late + reject_on_worker_lost); every service here is idempotent.
RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**RELIABLE, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def recompute_task_clocks(task_id: int) -> str | None:
    results = services.task_clocks_recompute(task_id=task_id)
    if results is None:
        return None
    return ",".join(f"{kind}={result.state}" for kind, result in results.items())


@shared_task(**RELIABLE)
def run_clock_job(job_id: int) -> int | None:
    job = services.clock_job_run(job_id=job_id)
    return job.done if job else None


@shared_task(**RELIABLE)
def tick_clocks() -> dict[str, int]:
    return services.clocks_tick()
