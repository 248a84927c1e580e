"""Celery tasks for the SLA engine: thin wrappers that take ids and call services."""

from celery import shared_task

from . import sampling, services

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


# --- period KPIs (sla.kpis) ----------------------------------------------------------------------


@shared_task(
    **RELIABLE,
    autoretry_for=(Exception,),
    dont_autoretry_for=(ValueError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def compute_engagement_kpis(engagement_id: int, period_start_iso: str, period_kind: str = "month") -> int:
    """Recompute one engagement's KPI snapshots for the period containing `period_start_iso` (YYYY-MM-DD).

    A malformed date or period kind raises ValueError, which is not retried: retrying cannot mend it.
    """
    from datetime import date

    from . import kpis  # imported here: this module's header belongs to the clock tasks
    from .choices import PeriodKind

    period_start = date.fromisoformat(period_start_iso)
    if period_kind not in PeriodKind.values:
        raise ValueError(f"Unknown period kind {period_kind!r}.")
    snapshots = kpis.engagement_kpis_compute(
        engagement_id=engagement_id, period_start=period_start, period_kind=period_kind
    )
    return len(snapshots)


@shared_task(**RELIABLE)
def close_kpi_periods() -> int:
    """The daily close: previous month (and quarter) and the current month of every engagement under an SLA."""
    from . import kpis

    return kpis.kpis_close_periods()


@shared_task(**RELIABLE)
def top_up_samples() -> int:
    return len(sampling.sampling_top_up_all())
