"""Webhook and notification API: thin viewsets over the selectors (reads) and the services (writes).

Subscriptions and deliveries are an organisation manager's (another organisation's id is a 404; a
member without the role gets 403); notifications are each user's own.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kpo.core.api import KpoAutoSchema
from kpo.core.exceptions import ApplicationError

from ..filters import NotificationFilter, WebhookDeliveryFilter
from ..selectors import delivery_list_for, inbox_for, may_manage_webhooks, subscription_list_for
from ..services import (
    notification_mark_read,
    webhook_delivery_resend,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_rotate_secret,
    webhook_subscription_send_test,
    webhook_subscription_update,
)
from .serializers import (
    NotificationReadInputSerializer,
    NotificationReadResultSerializer,
    NotificationSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionInputSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWithSecretSerializer,
)

ID = r"[0-9]+"
TAG_WEBHOOKS = ["webhooks"]
TAG_NOTIFICATIONS = ["notifications"]


def _page(item: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [item]}


def _response(name: str, value, code: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[code])


def _request(name: str, value) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


SUBSCRIPTION_EXAMPLE = {
    "id": 7,
    "url": "https://hooks.northwind.example/kpo",
    "description": "Ticketing bridge",
    "event_types": ["task.status_changed", "sla.breached"],
    "is_active": True,
    "organisation": {"id": 3, "name": "Northwind Bank", "kind": "client"},
    "previous_secret_expires_at": None,
    "created_at": "2025-06-01T08:00:00Z",
    "updated_at": "2025-06-01T08:00:00Z",
}
SUBSCRIPTION_WITH_SECRET_EXAMPLE = {**SUBSCRIPTION_EXAMPLE, "secret": "whsec_Jq3c0f...store-it-now"}
SUBSCRIPTION_INPUT_EXAMPLE = {
    "url": "https://hooks.northwind.example/kpo",
    "description": "Ticketing bridge",
    "event_types": ["task.status_changed", "sla.breached"],
    "is_active": True,
}
DELIVERY_EXAMPLE = {
    "id": 42,
    "subscription": 7,
    "event_id": "5b0b7c1e-8a52-4c39-9d3e-2f0e6b1d9a10",
    "event_type": "sla.breached",
    "occurred_at": "2025-06-02T09:15:00Z",
    "status": "failed",
    "attempts": 2,
    "next_attempt_at": "2025-06-02T09:25:00Z",
    "last_attempt_at": "2025-06-02T09:17:00Z",
    "last_response_code": 503,
    "last_error": "HTTP 503 Service Unavailable",
    "delivered_at": None,
    "created_at": "2025-06-02T09:15:01Z",
}
PENDING_DELIVERY_EXAMPLE = {
    **DELIVERY_EXAMPLE,
    "status": "pending",
    "attempts": 0,
    "next_attempt_at": "2025-06-02T10:00:00Z",
}
NOTIFICATION_EXAMPLE = {
    "id": 12,
    "verb": "task.status_changed",
    "title": "Delivered, awaiting your review: Q3 filings summary",
    "body": "",
    "url": "/tasks/31/",
    "created_at": "2025-06-02T09:15:00Z",
    "read_at": None,
}


class ManagersOnlySchema(KpoAutoSchema):
    """Documents the 403 that a member without the manager role gets, on the lists too."""

    def _error_codes(self) -> list[str]:
        codes = super()._error_codes()
        return codes if "403" in codes else [*codes, "403"]


class MayManageWebhooks(permissions.BasePermission):
    """An organisation's admin or manager (or an operator); other members get 403."""

    message = _("Only an organisation's admin or manager may manage webhooks.")

    def has_permission(self, request, view):
        return may_manage_webhooks(request.user)


def _field_errors(error: ApplicationError) -> serializers.ValidationError | ApplicationError:
    """A service refusal about one field becomes a 400 naming that field."""
    field = error.extra.get("field")
    if field and error.status_code == 400:
        return serializers.ValidationError({field: [error.message]})
    return error


@extend_schema_view(
    list=extend_schema(
        summary="Your organisation's webhook subscriptions",
        description="Organisation admins and managers only. Secrets are never listed.",
        examples=[_response("Subscriptions", _page(SUBSCRIPTION_EXAMPLE))],
        tags=TAG_WEBHOOKS,
    ),
    retrieve=extend_schema(
        summary="One webhook subscription",
        examples=[_response("Subscription", SUBSCRIPTION_EXAMPLE)],
        tags=TAG_WEBHOOKS,
    ),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description=(
            "The server generates the signing secret and returns it in this response only. Deliveries are "
            'POSTed as JSON with `X-KPO-Signature: sha256=<HMAC-SHA256 of "<X-KPO-Timestamp>.<body>">`.'
        ),
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionWithSecretSerializer},
        examples=[
            _request("New subscription", SUBSCRIPTION_INPUT_EXAMPLE),
            _response("Created (secret shown once)", SUBSCRIPTION_WITH_SECRET_EXAMPLE, "201"),
        ],
        tags=TAG_WEBHOOKS,
    ),
    update=extend_schema(
        summary="Replace a subscription's settings",
        request=WebhookSubscriptionInputSerializer,
        responses={200: WebhookSubscriptionSerializer},
        examples=[
            _request("Settings", SUBSCRIPTION_INPUT_EXAMPLE),
            _response("Updated", SUBSCRIPTION_EXAMPLE),
        ],
        tags=TAG_WEBHOOKS,
    ),
    partial_update=extend_schema(
        summary="Change some of a subscription's settings",
        description="Pausing (`is_active: false`) keeps new deliveries waiting; re-activating sends them.",
        request=WebhookSubscriptionInputSerializer(partial=True),
        responses={200: WebhookSubscriptionSerializer},
        examples=[_request("Pause", {"is_active": False}), _response("Updated", SUBSCRIPTION_EXAMPLE)],
        tags=TAG_WEBHOOKS,
    ),
    destroy=extend_schema(
        summary="Delete a subscription and its delivery log",
        responses={204: OpenApiResponse(description="Deleted.")},
        tags=TAG_WEBHOOKS,
    ),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated, MayManageWebhooks]
    schema = ManagersOnlySchema()
    serializer_class = WebhookSubscriptionSerializer
    lookup_value_regex = ID
    filter_backends: list = []

    def get_queryset(self):
        return subscription_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        data = self._input(request)
        try:
            subscription = webhook_subscription_create(actor=request.user, **data)
        except ApplicationError as error:
            raise _field_errors(error) from error
        return Response(
            WebhookSubscriptionWithSecretSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, partial=False, **kwargs):
        subscription = self.get_object()
        data = self._input(request, partial=partial)
        try:
            subscription = webhook_subscription_update(subscription=subscription, actor=request.user, **data)
        except ApplicationError as error:
            raise _field_errors(error) from error
        return Response(WebhookSubscriptionSerializer(subscription).data)

    def destroy(self, request, *args, **kwargs):
        webhook_subscription_delete(subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _input(self, request, *, partial: bool = False) -> dict:
        serializer = WebhookSubscriptionInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="Rotate the signing secret",
        description=(
            "Returns the new secret, shown once. For 24 hours deliveries carry two signatures (new and old "
            "secret), so the receiver can switch without rejecting anything."
        ),
        request=None,
        responses={200: WebhookSubscriptionWithSecretSerializer},
        examples=[_response("Rotated", SUBSCRIPTION_WITH_SECRET_EXAMPLE)],
        tags=TAG_WEBHOOKS,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = webhook_subscription_rotate_secret(subscription=self.get_object(), actor=request.user)
        return Response(WebhookSubscriptionWithSecretSerializer(subscription).data)

    @extend_schema(
        summary="Send a test ping",
        description="Queues a `webhook.ping` event to this subscription; follow it in its delivery log.",
        request=None,
        responses={202: WebhookDeliverySerializer},
        examples=[_response("Queued", {**PENDING_DELIVERY_EXAMPLE, "event_type": "webhook.ping"}, "202")],
        tags=TAG_WEBHOOKS,
    )
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, pk=None):
        delivery = webhook_subscription_send_test(subscription=self.get_object(), actor=request.user)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries of your organisation",
        description="Newest first; filter by `status`, `subscription` or `event_type`.",
        examples=[_response("Deliveries", _page(DELIVERY_EXAMPLE))],
        tags=TAG_WEBHOOKS,
    ),
    retrieve=extend_schema(
        summary="One webhook delivery",
        examples=[_response("Delivery", DELIVERY_EXAMPLE)],
        tags=TAG_WEBHOOKS,
    ),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, MayManageWebhooks]
    schema = ManagersOnlySchema()
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    lookup_value_regex = ID
    ordering_fields = ["created_at", "next_attempt_at"]
    schema_error_codes = ["409"]

    def get_queryset(self):
        return delivery_list_for(self.request.user)

    @extend_schema(
        summary="Send a delivery again",
        description=(
            "Resets the delivery to pending with a fresh set of attempts; the event id (the idempotency key) "
            "stays the same. 409 while an attempt is in flight."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer},
        examples=[_response("Queued again", PENDING_DELIVERY_EXAMPLE, "202")],
        tags=TAG_WEBHOOKS,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def resend(self, request, pk=None):
        delivery = self.get_object()
        webhook_delivery_resend(delivery=delivery, actor=request.user)  # in flight: 409
        delivery = self.get_queryset().get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications",
        description="Newest first; `unread=true` for the unread ones only.",
        examples=[_response("Notifications", _page(NOTIFICATION_EXAMPLE))],
        tags=TAG_NOTIFICATIONS,
    ),
    retrieve=extend_schema(
        summary="One of your notifications",
        examples=[_response("Notification", NOTIFICATION_EXAMPLE)],
        tags=TAG_NOTIFICATIONS,
    ),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = ID
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return inbox_for(self.request.user)

    @extend_schema(
        summary="Mark notifications read",
        description="Give `ids` (yours; others are ignored) or `all: true`.",
        request=NotificationReadInputSerializer,
        responses={200: NotificationReadResultSerializer},
        examples=[
            _request("Some", {"ids": [12, 13]}),
            _request("All", {"all": True}),
            _response("Marked", {"marked": 2}),
        ],
        tags=TAG_NOTIFICATIONS,
    )
    @action(detail=False, methods=["post"], url_path="read", filter_backends=[], pagination_class=None)
    def mark_read(self, request):
        serializer = NotificationReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("all"):
            ids = inbox_for(request.user).values("pk")
        else:
            ids = serializer.validated_data["ids"]
        marked = notification_mark_read(user=request.user, notification_ids=ids)
        return Response({"marked": marked})
