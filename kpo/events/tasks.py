"""Celery tasks for events: thin wrappers that take ids and call services."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from .models import DomainEvent
from .services import (
    email_digests_send,
    event_dispatch,
    event_record_failure,
    webhook_deliver,
    webhook_deliveries_retry_due,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def dispatch_event(self, event_id: str) -> bool:
    try:
        return event_dispatch(event_id=event_id)
    except Exception as exc:
        event_record_failure(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        logger.exception("dispatching event %s failed", event_id)
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True)
def dispatch_pending_events(older_than_seconds: int = 60, limit: int = 500) -> int:
    """The outbox sweep: re-send events whose enqueue after commit was lost (e.g. the broker was down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(
        DomainEvent.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff, attempts__lt=10)
        .order_by("occurred_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in pending:
        dispatch_event.delay(str(event_id))
    return len(pending)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_email_digests() -> int:
    return email_digests_send()


# Retries sooner than this ride on a countdown as well as the sweep; longer ones wait for the sweep
# only (a Redis ETA message older than the visibility timeout would be delivered twice).
COUNTDOWN_LIMIT_SECONDS = 600


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int, as_of: str | None = None) -> str | None:
    """One attempt at a webhook delivery (safe to repeat: the service claims the row first).

    `as_of` is the sweep's clock when it found the delivery due, so a worker whose clock lags a little
    still sends it.
    """
    now = timezone.now()
    if as_of:
        now = max(now, datetime.fromisoformat(as_of))
    outcome = webhook_deliver(delivery_id=delivery_id, now=now)
    if outcome is None:
        return None
    if outcome.retry_at is not None:
        delay = (outcome.retry_at - timezone.now()).total_seconds()
        if 0 < delay <= COUNTDOWN_LIMIT_SECONDS:
            deliver_webhook.apply_async((delivery_id,), countdown=delay)
    return outcome.status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def retry_due_webhooks() -> int:
    """The beat sweep: deliveries whose retry is due, or whose enqueue or worker was lost, go again."""
    return webhook_deliveries_retry_due()
