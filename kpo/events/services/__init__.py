"""Every write of the events app (one module per concern, re-exported here)."""

from .delivery import (
    MAX_ATTEMPTS,
    AttemptOutcome,
    backoff_delay,
    webhook_body,
    webhook_deliver,
    webhook_deliveries_release_stale,
    webhook_deliveries_retry_due,
)
from .notifications import EMAIL_BATCH, email_digests_send, notification_mark_read
from .outbox import event_dispatch, event_publish, event_record_failure
from .webhooks import (
    ROTATION_GRACE,
    DeliveryInFlight,
    webhook_delivery_resend,
    webhook_fan_out,
    webhook_secret_generate,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_rotate_secret,
    webhook_subscription_send_test,
    webhook_subscription_update,
)

__all__ = [
    "DeliveryInFlight",
    "EMAIL_BATCH",
    "MAX_ATTEMPTS",
    "ROTATION_GRACE",
    "AttemptOutcome",
    "backoff_delay",
    "email_digests_send",
    "event_dispatch",
    "event_publish",
    "event_record_failure",
    "notification_mark_read",
    "webhook_body",
    "webhook_deliver",
    "webhook_deliveries_release_stale",
    "webhook_deliveries_retry_due",
    "webhook_delivery_resend",
    "webhook_fan_out",
    "webhook_secret_generate",
    "webhook_subscription_create",
    "webhook_subscription_delete",
    "webhook_subscription_rotate_secret",
    "webhook_subscription_send_test",
    "webhook_subscription_update",
]
