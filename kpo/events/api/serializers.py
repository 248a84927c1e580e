"""Webhook and notification API shapes: serializers check shape, services decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kpo.core.api import StrictSerializer

from ..choices import WEBHOOK_EVENT_CHOICES
from ..filters import BIGINT_MAX
from ..models import Notification, WebhookDelivery, WebhookSubscription


class WebhookOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as read back: never its secret."""

    organisation = WebhookOwnerSerializer(read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENT_CHOICES),
        help_text=_("Event types delivered; an empty list means every type."),
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "organisation",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    """The answer to a create or a secret rotation: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True, help_text=_("The signing secret. Store it now: it is never shown again.")
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(StrictSerializer):
    url = serializers.URLField(max_length=500, help_text=_("Where to POST the events (http or https)."))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENT_CHOICES),
        required=False,
        default=list,
        help_text=_("Event types to deliver; empty or absent means every type."),
    )
    is_active = serializers.BooleanField(required=False, default=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(read_only=True, help_text=_("The event id: the idempotency key."))
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event_id",
            "event_type",
            "occurred_at",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_response_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    # Written in the request's language from the notification's event type and facts.
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationReadInputSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=1000,
        help_text=_("Notifications to mark read (others' ids are ignored)."),
    )
    all = serializers.BooleanField(
        required=False, default=False, help_text=_("Mark every notification read.")
    )

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": [_("Give the ids to mark read, or set all to true.")]})
        if attrs.get("all") and attrs.get("ids"):
            raise serializers.ValidationError({"all": [_("Give either ids or all, not both.")]})
        return attrs


class NotificationReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications turned from unread to read."))
