"""Pages of the events app: notifications, and an organisation's webhooks (thin: selectors + services)."""

from .notifications import notification_list, notification_mark_all_read, notification_mark_read_one
from .webhooks import (
    webhook_create,
    webhook_delete,
    webhook_deliveries,
    webhook_delivery_resend_view,
    webhook_edit,
    webhook_list,
    webhook_rotate_secret,
    webhook_send_test,
)

__all__ = [
    "notification_list",
    "notification_mark_all_read",
    "notification_mark_read_one",
    "webhook_create",
    "webhook_delete",
    "webhook_deliveries",
    "webhook_delivery_resend_view",
    "webhook_edit",
    "webhook_list",
    "webhook_rotate_secret",
    "webhook_send_test",
]
