from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TASK_STATUS_CHANGED = "task.status_changed", _("Task status changed")
    SLA_AT_RISK = "sla.at_risk", _("SLA at risk")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    KPI_BREACHED = "kpi.breached", _("KPI breached")
    DELIVERABLE_UPLOADED = "deliverable.uploaded", _("Deliverable uploaded")
    REPORT_READY = "report.ready", _("Report ready")
    WEBHOOK_PING = "webhook.ping", _("Webhook test ping")


# What an integration may subscribe to: every domain event, but not the ping (sent on request only).
WEBHOOK_EVENT_TYPES: tuple[str, ...] = tuple(
    value for value in EventType.values if value != EventType.WEBHOOK_PING
)
WEBHOOK_EVENT_CHOICES = [
    (value, label) for value, label in EventType.choices if value != EventType.WEBHOOK_PING
]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead (gave up)")


# A claim may start from these: a fresh delivery, or one waiting for its next retry.
DELIVERY_CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# Re-sending (UI/API) is for a delivery that is not on its way right now.
DELIVERY_RESENDABLE = (
    DeliveryStatus.SUCCEEDED,
    DeliveryStatus.FAILED,
    DeliveryStatus.DEAD,
    DeliveryStatus.PENDING,
)
