"""Domain events (an outbox), in-app notifications and webhook subscriptions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import EventType


class DomainEvent(models.Model):
    """Something that happened, written in the same transaction as the change (the outbox).

    A worker dispatches it (notifications now, webhooks later) exactly once in effect: the
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


class Notification(models.Model):
    """An in-app notification for one user, created once per (event, recipient)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        DomainEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=48, choices=EventType.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
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


class WebhookSubscription(models.Model):
    """An integration's URL subscribed to event types of the engagements its owner may see."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC-SHA256 signature.")
    event_types = models.JSONField(default=list, help_text="Event types to deliver; empty means all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "url"]
        constraints = [models.UniqueConstraint(fields=["owner", "url"], name="webhook_unique_url_per_owner")]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner})"
