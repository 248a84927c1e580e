"""Filters shared by the delivery log page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import WEBHOOK_EVENT_CHOICES, DeliveryStatus, EventType
from .models import Notification, WebhookDelivery

BIGINT_MAX = 2**63 - 1


class WebhookDeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, help_text=_("Only this status."))
    # An id, not a choice among all subscriptions: a choice list would tell another tenant's ids apart.
    subscription = django_filters.NumberFilter(
        field_name="subscription_id",
        min_value=1,
        max_value=BIGINT_MAX,  # a larger number is a 400, not a database overflow
        help_text=_("Only deliveries of this subscription."),
    )
    event_type = django_filters.ChoiceFilter(
        field_name="event__event_type",
        choices=[*WEBHOOK_EVENT_CHOICES, (EventType.WEBHOOK_PING.value, EventType.WEBHOOK_PING.label)],
        help_text=_("Only deliveries of this event type."),
    )

    class Meta:
        model = WebhookDelivery
        fields = ["status", "subscription", "event_type"]


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text=_("true: only unread; false: only read.")
    )

    class Meta:
        model = Notification
        fields = ["unread"]
