"""Webhook subscriptions (an organisation manager's writes), fan-out of events, test pings and re-sends.

Every write checks the actor first, runs atomically with its audit row, and enqueues deliveries after
commit (robustly: a broker that is down at commit leaves the delivery pending for the retry sweep).
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpo.accounts.selectors import is_operator, user_organisation
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied

from ..choices import WEBHOOK_EVENT_TYPES, DeliveryStatus, EventType
from ..models import DomainEvent, WebhookDelivery, WebhookSubscription
from ..selectors import may_manage_webhooks, webhook_organisation_for
from ..urlsafety import check_webhook_url

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
# After a rotation the old secret keeps signing (beside the new one) for this long.
ROTATION_GRACE = timedelta(hours=24)


class DeliveryInFlight(ApplicationError):
    """The delivery is being sent right now; a re-send must wait for its outcome."""

    status_code = 409


def webhook_secret_generate() -> str:
    """A fresh 256-bit secret, made on the server only."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _enqueue_delivery(delivery_id: int) -> None:
    from ..tasks import deliver_webhook  # the task module imports the services

    # robust: a broker that is down must not undo the caller's commit; the sweep re-enqueues.
    transaction.on_commit(lambda: deliver_webhook.delay(delivery_id), robust=True)


def _clean_event_types(event_types) -> list[str]:
    if event_types is None:
        return []
    if isinstance(event_types, str) or not isinstance(event_types, list | tuple | set | frozenset):
        raise ApplicationError(_("Event types must be a list."), extra={"field": "event_types"})
    unknown = sorted({str(value) for value in event_types} - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise ApplicationError(
            _("Unknown event type: %(names)s.") % {"names": ", ".join(unknown)},
            extra={"field": "event_types"},
        )
    chosen = set(event_types)
    return [value for value in WEBHOOK_EVENT_TYPES if value in chosen]  # catalogue order, no repeats


def _require_manager(actor, subscription: WebhookSubscription | None = None) -> None:
    if not may_manage_webhooks(actor):
        raise PermissionDenied(_("Only an organisation's admin or manager may manage webhooks."))
    if subscription is not None and not is_operator(actor):
        organisation = user_organisation(actor)
        if organisation is None or subscription.organisation_id != organisation.pk:
            raise PermissionDenied(_("This webhook belongs to another organisation."))


def _url_taken(organisation_id: int, url: str, exclude_pk: int | None = None) -> bool:
    existing = WebhookSubscription.objects.filter(organisation_id=organisation_id, url=url)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    return existing.exists()


def webhook_subscription_create(
    *, actor, url: str, event_types=None, description: str = "", is_active: bool = True
) -> WebhookSubscription:
    """Subscribe a URL for the actor's organisation; the returned object carries the secret, shown once."""
    _require_manager(actor)
    organisation = webhook_organisation_for(actor)
    if organisation is None:
        raise PermissionDenied(
            _("Webhooks belong to an organisation; you are not an admin or manager of one.")
        )
    check_webhook_url(url)
    types = _clean_event_types(event_types)
    if _url_taken(organisation.pk, url):
        raise ApplicationError(
            _("Your organisation already sends webhooks to this URL."), extra={"field": "url"}
        )
    try:
        with transaction.atomic():
            subscription = WebhookSubscription.objects.create(
                organisation=organisation,
                created_by=actor,
                url=url,
                description=description,
                secret=webhook_secret_generate(),
                event_types=types,
                is_active=is_active,
            )
            audit_record(
                actor=actor,
                action="webhook.created",
                obj=subscription,
                changes={"url": url, "event_types": types, "is_active": is_active},
            )
    except IntegrityError as error:  # a concurrent create of the same URL
        raise ApplicationError(
            _("Your organisation already sends webhooks to this URL."), extra={"field": "url"}
        ) from error
    return subscription


UPDATABLE_FIELDS = ("url", "event_types", "description", "is_active")


def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor, **changes
) -> WebhookSubscription:
    """Change the URL, events, description or active flag; re-activating lets waiting deliveries go."""
    _require_manager(actor, subscription)
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if "url" in changes:
        check_webhook_url(changes["url"])
        if _url_taken(subscription.organisation_id, changes["url"], exclude_pk=subscription.pk):
            raise ApplicationError(
                _("Your organisation already sends webhooks to this URL."), extra={"field": "url"}
            )
    if "event_types" in changes:
        changes["event_types"] = _clean_event_types(changes["event_types"])
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        diff = {
            name: {"from": getattr(locked, name), "to": value}
            for name, value in changes.items()
            if getattr(locked, name) != value
        }
        if not diff:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        try:
            locked.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as error:
            raise ApplicationError(
                _("Your organisation already sends webhooks to this URL."), extra={"field": "url"}
            ) from error
        audit_record(actor=actor, action="webhook.updated", obj=locked, changes=diff)
    return locked


def webhook_subscription_delete(*, subscription: WebhookSubscription, actor) -> None:
    """Remove a subscription and its delivery log."""
    _require_manager(actor, subscription)
    with transaction.atomic():
        audit_record(
            actor=actor, action="webhook.deleted", obj=subscription, changes={"url": subscription.url}
        )
        subscription.delete()


def webhook_subscription_rotate_secret(*, subscription: WebhookSubscription, actor) -> WebhookSubscription:
    """A new secret, shown once; the old one also signs for `ROTATION_GRACE` so the receiver can switch."""
    _require_manager(actor, subscription)
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + ROTATION_GRACE
        locked.secret = webhook_secret_generate()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        audit_record(
            actor=actor,
            action="webhook.secret_rotated",
            obj=locked,
            changes={"previous_secret_expires_at": locked.previous_secret_expires_at.isoformat()},
        )
    return locked


def webhook_subscription_send_test(*, subscription: WebhookSubscription, actor) -> WebhookDelivery:
    """Send a `webhook.ping` event to this subscription only, delivered (and retried) like any other."""
    _require_manager(actor, subscription)
    if not subscription.is_active:
        raise ApplicationError(_("This webhook is paused; activate it before sending a test ping."))
    now = timezone.now()
    with transaction.atomic():
        event = DomainEvent.objects.create(
            event_type=EventType.WEBHOOK_PING,
            occurred_at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            payload={"subscription_id": subscription.pk, "message": "Test ping from KPO Desk."},
            dispatched_at=now,  # nothing to fan out: the delivery below is its only one
        )
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event=event, next_attempt_at=now, created_at=now
        )
        audit_record(
            actor=actor, action="webhook.test_sent", obj=subscription, changes={"event": str(event.pk)}
        )
        _enqueue_delivery(delivery.pk)
    return delivery


def webhook_delivery_resend(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a delivery again from scratch (a full set of attempts), with the same event id."""
    _require_manager(actor, delivery.subscription)
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status == DeliveryStatus.DELIVERING:
            raise DeliveryInFlight(_("This delivery is being sent right now; wait for its outcome."))
        previous = locked.status
        locked.status = DeliveryStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = now
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="webhook.delivery_resent",
            obj=locked,
            changes={"from_status": previous, "subscription": locked.subscription_id},
        )
        _enqueue_delivery(locked.pk)
    return locked


def webhook_fan_out(*, event: DomainEvent) -> int:
    """Create one delivery per matching subscription (idempotent) and enqueue the pending ones after commit.

    Call inside the dispatch transaction; returns how many subscriptions the event goes to.
    """
    from ..recipients import webhook_subscriptions_for

    subscriptions = webhook_subscriptions_for(event)
    if not subscriptions:
        return 0
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, event=event, next_attempt_at=now, created_at=now)
            for subscription in subscriptions
        ],
        ignore_conflicts=True,
    )
    pending = WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING).values_list(
        "pk", flat=True
    )
    for delivery_id in pending:
        _enqueue_delivery(delivery_id)
    return len(subscriptions)
