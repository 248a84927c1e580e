"""Sending one webhook delivery, and the sweep that retries what is due.

At-least-once: a delivery is claimed with a conditional update (pending, or failed and due ->
delivering), sent without holding a transaction, and its outcome written back. A failure schedules
the next attempt in the row itself (`next_attempt_at`, exponential backoff with jitter), so a worker
that dies loses nothing: the beat sweep enqueues whatever is due, and turns an attempt that never
reported back (the worker died mid-request) into a failure to retry. The event id travels as the
idempotency key on every attempt, so receivers can drop repeats.
"""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kpo.core.exceptions import ApplicationError

from ..choices import DeliveryStatus
from ..models import DomainEvent, WebhookDelivery, WebhookSubscription
from ..signing import signature_header
from ..urlsafety import check_webhook_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_FACTOR = 4  # from settings.KPO_WEBHOOK_FIRST_RETRY_SECONDS (30 s): 2 min, 8 min, 32 min, ~2 h, capped
BACKOFF_CAP = timedelta(hours=6)
BACKOFF_JITTER = 0.2  # +-20 %, so receivers that come back are not hit by every retry at once
# An attempt still "delivering" after this long lost its worker (the request itself times out far sooner).
STALE_DELIVERING = timedelta(minutes=5)
# A pending delivery younger than this is still being enqueued by its on_commit hook.
PENDING_GRACE = timedelta(seconds=60)
REQUEST_TIMEOUT = (3.05, 10)  # connect, read (seconds)
ERROR_EXCERPT = 300
USER_AGENT = "KPO-Desk-Webhooks/1"
# Payload keys that are internal ids of people, not for integrations.
PRIVATE_PAYLOAD_KEYS = frozenset({"assignee_user_id"})


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1-based), jittered."""
    base = settings.KPO_WEBHOOK_FIRST_RETRY_SECONDS * BACKOFF_FACTOR ** max(0, attempts - 1)
    base = min(base, BACKOFF_CAP.total_seconds())
    jitter = (rng or random).uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)
    return timedelta(seconds=base * jitter)


def webhook_event_data(event: DomainEvent) -> dict:
    data = {key: value for key, value in event.payload.items() if key not in PRIVATE_PAYLOAD_KEYS}
    if event.engagement_id is not None:
        data.setdefault("engagement_id", event.engagement_id)
    return data


def webhook_body(event: DomainEvent) -> bytes:
    """The JSON body, byte-for-byte the same on every attempt (it is what the signature covers)."""
    document = {
        "id": str(event.pk),
        "type": event.event_type,
        "created_at": event.occurred_at,
        "data": webhook_event_data(event),
    }
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    secrets = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        secrets.append(subscription.previous_secret)
    return secrets


def webhook_headers(
    delivery: WebhookDelivery, body: bytes, *, timestamp: int, now: datetime
) -> dict[str, str]:
    event = delivery.event
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-KPO-Event": event.event_type,
        "X-KPO-Delivery": str(delivery.pk),
        "X-KPO-Idempotency-Key": str(event.pk),
        "X-KPO-Timestamp": str(timestamp),
        "X-KPO-Signature": signature_header(signing_secrets(delivery.subscription, now), timestamp, body),
    }


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    response_code: int | None
    error: str
    retry_at: datetime | None


def _send(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """POST the delivery once; (response code or None, error text or "" on a 2xx)."""
    try:
        check_webhook_url(delivery.subscription.url)  # again: the name may resolve elsewhere by now
    except ApplicationError as refusal:
        return None, f"Refused: {refusal.message}"
    body = webhook_body(delivery.event)
    # The real clock, not `now`: the receiver compares the timestamp with its own clock.
    headers = webhook_headers(delivery, body, timestamp=int(time.time()), now=now)
    timeout = getattr(settings, "KPO_WEBHOOK_TIMEOUT", REQUEST_TIMEOUT)
    try:
        with requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            code = response.status_code
            if 200 <= code < 300:
                return code, ""
            excerpt = next(response.iter_content(ERROR_EXCERPT), b"").decode("utf-8", "replace").strip()
            reason = response.reason or ""
            return code, f"HTTP {code} {reason}".strip() + (f": {excerpt}" if excerpt else "")
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:2000]


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> AttemptOutcome | None:
    """Make one attempt at a delivery; None when there is nothing to do (taken, done, not due, paused)."""
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, subscription__is_active=True)
        .filter(Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now))
        .update(status=DeliveryStatus.DELIVERING, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("event", "subscription").filter(pk=delivery_id).first()
    if delivery is None:  # its subscription was deleted since the claim
        return None
    try:
        code, error = _send(delivery, now)
    except Exception as unexpected:  # never leave the row "delivering" because of a bug here
        logger.exception("webhook delivery %s crashed", delivery_id)
        code, error = None, f"{type(unexpected).__name__}: {unexpected}"
    return _record(delivery, now=now, code=code, error=error)


def _record(delivery: WebhookDelivery, *, now: datetime, code: int | None, error: str) -> AttemptOutcome:
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERING)
    if not error:
        mine.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, last_response_code=code, last_error="")
        return AttemptOutcome(DeliveryStatus.SUCCEEDED, code, "", None)
    if delivery.attempts >= MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.DEAD, last_response_code=code, last_error=error)
        logger.warning(
            "webhook delivery %s is dead after %s attempts: %s", delivery.pk, delivery.attempts, error
        )
        return AttemptOutcome(DeliveryStatus.DEAD, code, error, None)
    retry_at = now + backoff_delay(delivery.attempts)
    mine.update(
        status=DeliveryStatus.FAILED, last_response_code=code, last_error=error, next_attempt_at=retry_at
    )
    return AttemptOutcome(DeliveryStatus.FAILED, code, error, retry_at)


def webhook_deliveries_release_stale(*, now: datetime | None = None) -> int:
    """Attempts whose worker died mid-request become failures to retry now (or dead when out of attempts)."""
    now = now or timezone.now()
    stale = WebhookDelivery.objects.filter(
        status=DeliveryStatus.DELIVERING, last_attempt_at__lt=now - STALE_DELIVERING
    )
    message = "The attempt never reported back (the worker stopped); retrying."
    dead = stale.filter(attempts__gte=MAX_ATTEMPTS).update(status=DeliveryStatus.DEAD, last_error=message)
    failed = stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, last_error=message, next_attempt_at=now
    )
    return dead + failed


def webhook_deliveries_due(*, now: datetime, limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(subscription__is_active=True)
        .filter(
            Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - PENDING_GRACE)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_retry_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat sweep: release stale attempts, then enqueue every due delivery (after commit)."""
    from ..tasks import deliver_webhook

    now = now or timezone.now()
    webhook_deliveries_release_stale(now=now)
    due = webhook_deliveries_due(now=now, limit=limit)
    as_of = now.isoformat()
    for delivery_id in due:
        transaction.on_commit(
            lambda delivery_id=delivery_id: deliver_webhook.delay(delivery_id, as_of=as_of), robust=True
        )
    return len(due)
