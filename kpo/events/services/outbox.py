"""Publishing domain events (outbox rows) and dispatching them: notifications and webhook fan-out."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import DomainEvent, Notification
from .webhooks import webhook_fan_out


def event_publish(
    *, event_type: str, engagement=None, actor=None, payload: dict, occurred_at=None
) -> DomainEvent:
    """Record an event in the caller's transaction and dispatch it after commit."""
    event = DomainEvent.objects.create(
        event_type=event_type,
        engagement=engagement,
        actor=actor if getattr(actor, "pk", None) else None,
        payload=payload,
        occurred_at=occurred_at or timezone.now(),
    )
    from ..tasks import dispatch_event  # the task module imports this one

    transaction.on_commit(lambda: dispatch_event.delay(str(event.pk)))
    return event


def event_dispatch(*, event_id) -> bool:
    """Create the event's notifications and webhook deliveries once; False when it was already
    dispatched or is gone.

    Safe to repeat and to run concurrently: the row is locked and claimed in one transaction,
    notifications are unique per (event, recipient) and deliveries per (subscription, event); each
    delivery is enqueued after commit.
    """
    from ..recipients import notifications_for

    with transaction.atomic():
        event = (
            DomainEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=event_id, dispatched_at__isnull=True)
            .select_related("engagement__client", "engagement__provider", "actor")
            .first()
        )
        if event is None:
            return False
        Notification.objects.bulk_create(notifications_for(event), ignore_conflicts=True)
        webhook_fan_out(event=event)
        event.dispatched_at = timezone.now()
        event.attempts += 1
        event.last_error = ""
        event.save(update_fields=["dispatched_at", "attempts", "last_error"])
    return True


def event_record_failure(*, event_id, error: str) -> None:
    DomainEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        last_error=error[:2000], attempts=F("attempts") + 1
    )
