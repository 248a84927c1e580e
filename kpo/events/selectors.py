from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator, user_organisation, user_roles

from .choices import DeliveryStatus
from .models import Notification, WebhookDelivery, WebhookSubscription


def inbox_for(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


# The header's unread count, on every page: one index probe (notification_inbox_idx), written as SQL. The
# ORM's count() (a cloned query turned into an aggregate, then compiled) cost ten times the query itself.
_UNREAD_SQL = (
    f"SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL"  # noqa: S608 (a table name; the value is a parameter)
)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    preloaded = getattr(user, "kpo_unread_count", None)  # read with the session's user (accounts.backends)
    if preloaded is not None:
        return preloaded
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk])
        return cursor.fetchone()[0]


# --- webhooks ------------------------------------------------------------------------------------

# Who manages an organisation's integrations: its admin or manager. A consultancy has neither, so its
# executive (who owns engagements) stands in. Operators may see and repair every subscription.
WEBHOOK_MANAGER_ROLES = frozenset({Role.CLIENT_ADMIN, Role.PROVIDER_MANAGER, Role.CONSULTANT_EXECUTIVE})


def may_manage_webhooks(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_operator(user):
        return True
    return bool(user_roles(user) & WEBHOOK_MANAGER_ROLES) and user_organisation(user) is not None


def webhook_organisation_for(user):
    """The organisation a manager creates subscriptions for, or None (operators have none)."""
    if not may_manage_webhooks(user):
        return None
    if user_roles(user) & WEBHOOK_MANAGER_ROLES:
        return user_organisation(user)
    return None


def subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    """An organisation manager's own subscriptions; every subscription for operators; none for others."""
    if not may_manage_webhooks(user):
        return WebhookSubscription.objects.none()
    if is_operator(user):
        return WebhookSubscription.objects.all()
    return WebhookSubscription.objects.filter(organisation=user_organisation(user))


def subscription_list_for(user) -> QuerySet[WebhookSubscription]:
    """Subscriptions with their delivery health, in one query."""
    return (
        subscriptions_visible_to(user)
        .select_related("organisation")
        .annotate(
            failing_count=Count(
                "deliveries",
                filter=Q(deliveries__status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]),
            ),
            delivered_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
            last_delivered_at=Max("deliveries__delivered_at"),
        )
        .order_by("url", "id")
    )


def deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    if not may_manage_webhooks(user):
        return WebhookDelivery.objects.none()
    if is_operator(user):
        return WebhookDelivery.objects.all()
    return WebhookDelivery.objects.filter(subscription__organisation=user_organisation(user))


def delivery_list_for(user) -> QuerySet[WebhookDelivery]:
    return deliveries_visible_to(user).select_related("event", "subscription").order_by("-created_at", "-id")
