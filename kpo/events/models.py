"""Domain events (an outbox), in-app notifications and webhook subscriptions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kpo.core.models import KpoModel

from .choices import DeliveryStatus, EventType


class DomainEvent(KpoModel):
    """Something that happened, written in the same transaction as the change (the outbox).

    A worker dispatches it (notifications and webhook deliveries) exactly once in effect: the
    dispatch claims the row with a conditional update, and a beat sweep re-sends any event whose
    enqueue was lost.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the idempotency id
    event_type = models.CharField(max_length=48, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    engagement = models.ForeignKey(
        "engagements.Engagement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="domain_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(
                fields=["occurred_at"], name="event_pending_idx", condition=Q(dispatched_at__isnull=True)
            ),
            models.Index(fields=["engagement", "-occurred_at"], name="event_engagement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Notification(KpoModel):
    """An in-app notification for one user, created once per (event, recipient).

    Its words are written when it is shown, in the reader's language, from `verb` and `params` (see
    `kpo.events.messages`); `title` and `body` keep the English text, for rows older than `params`.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        DomainEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=48, choices=EventType.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    params = models.JSONField(
        default=dict, blank=True, help_text="The facts the text is written from, in any language."
    )
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="When the event happened.")
    read_at = models.DateTimeField(null=True, blank=True)
    email_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Also email it from this instant (urgent: at once; else the next digest).",
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def text(self):
        """The title and body in the active language (no query: written from the row alone; not cached,
        since one row may be shown in two languages, e.g. a page and an email)."""
        from .messages import notification_text

        return notification_text(verb=self.verb, params=self.params, title=self.title, body=self.body)

    @property
    def display_title(self) -> str:
        return self.text.title

    @property
    def display_body(self) -> str:
        return self.text.body


class WebhookSubscription(KpoModel):
    """An organisation's integration: a URL that receives the chosen events of the engagements the
    organisation may see, signed with a secret only the organisation knows."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC-SHA256 signature.")
    # After a rotation the old secret also signs for a grace period, so a receiver can switch without loss.
    previous_secret = models.CharField(max_length=128, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    event_types = models.JSONField(default=list, help_text="Event types to deliver; empty means all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "url", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "url"], name="webhook_unique_url_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        """True when this subscription asked for this event type (an empty list asks for all)."""
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(KpoModel):
    """One event sent to one subscription: created once at fan-out, retried until it succeeds or dies.

    The row is the retry schedule: `next_attempt_at` survives a worker's death, and a beat sweep
    enqueues whatever is due. A worker claims it with a conditional update before sending.
    """

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="webhook_deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
        ]
        indexes = [
            # The retry sweep: what is waiting, by when it is due.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(status__in=["pending", "failed", "delivering"]),
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id} ({self.status})"
