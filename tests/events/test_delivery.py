"""Sending webhooks to a real HTTP receiver on loopback: signature, retries, idempotency, a receiver that is
down, dead letters, and recovery from a lost enqueue or a worker that died mid-attempt."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from kpo.events.choices import DeliveryStatus
from kpo.events.models import WebhookDelivery
from kpo.events.services import (
    MAX_ATTEMPTS,
    backoff_delay,
    webhook_deliver,
    webhook_deliveries_retry_due,
    webhook_subscription_rotate_secret,
)
from kpo.events.signing import verify_signature
from kpo.events.tasks import deliver_webhook

from .conftest import release_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """`sweep(now)`: the beat job at instant `now` (enqueued deliveries run at once, eager Celery)."""

    def _sweep(now):
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_deliveries_retry_due(now=now)

    return _sweep


def test_a_delivery_is_signed_and_verifies_at_the_receiver(
    world, client_admin, receiver, subscribe, dispatch
):
    subscription = subscribe(client_admin, receiver.url)
    event = release_event(world.task_ap_ready)

    dispatch(event)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    headers = {key.lower(): value for key, value in request.headers.items()}
    assert verify_signature(
        subscription.secret, headers["x-kpo-timestamp"], request.body, headers["x-kpo-signature"]
    )
    assert not verify_signature(
        "whsec_wrong", headers["x-kpo-timestamp"], request.body, headers["x-kpo-signature"]
    )
    assert not verify_signature(
        subscription.secret, headers["x-kpo-timestamp"], request.body + b" ", headers["x-kpo-signature"]
    )
    assert headers["x-kpo-event"] == "task.status_changed"
    assert headers["x-kpo-idempotency-key"] == str(event.pk)
    assert headers["content-type"] == "application/json"
    document = json.loads(request.body)
    assert document["id"] == str(event.pk)
    assert document["type"] == "task.status_changed"
    assert document["data"]["task_id"] == world.task_ap_ready.pk
    assert document["data"]["to_status"] == "ready"
    assert "assignee_user_id" not in document["data"]  # internal ids of people stay inside
    delivery = WebhookDelivery.objects.get(subscription=subscription, event=event)
    assert headers["x-kpo-delivery"] == str(delivery.pk)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_response_code == 200
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""


def test_a_500_is_retried_after_its_backoff_with_the_same_idempotency_key(
    world, client_admin, receiver, subscribe, dispatch, sweep
):
    subscription = subscribe(client_admin, receiver.url)
    receiver.script = [500]
    event = release_event(world.task_ap_ready)

    dispatch(event)

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_response_code == 500
    assert "HTTP 500" in delivery.last_error and "receiver says no" in delivery.last_error
    assert delivery.attempts == 1
    # Not due yet: a sweep right now sends nothing.
    assert sweep(timezone.now()) == 0
    assert len(receiver.received) == 1

    assert sweep(delivery.next_attempt_at + timedelta(seconds=1)) == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert delivery.last_response_code == 200
    assert delivery.last_error == ""
    first, second = receiver.received
    assert first.headers["X-KPO-Idempotency-Key"] == second.headers["X-KPO-Idempotency-Key"] == str(event.pk)
    assert first.body == second.body  # the same document every time
    assert verify_signature(
        subscription.secret, second.headers["X-KPO-Timestamp"], second.body, second.headers["X-KPO-Signature"]
    )


def test_a_receiver_that_is_down_loses_nothing(
    world, client_admin, down_receiver, subscribe, dispatch, sweep
):
    subscription = subscribe(client_admin, down_receiver.url)
    dispatch(release_event(world.task_ap_ready))

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_response_code is None
    assert "ConnectionError" in delivery.last_error
    assert "refused" in delivery.last_error.lower()

    down_receiver.start()
    sweep(delivery.next_attempt_at + timedelta(seconds=1))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(down_receiver.received) == 1


def test_a_delivery_dies_after_the_last_attempt_and_is_never_sent_again(
    world, client_admin, receiver, subscribe, dispatch, sweep
):
    subscription = subscribe(client_admin, receiver.url)
    receiver.script = [503] * (MAX_ATTEMPTS + 5)
    dispatch(release_event(world.task_ap_ready))
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        delivery.refresh_from_db()
        now = max(now, delivery.next_attempt_at) + timedelta(seconds=1)
        sweep(now)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_response_code == 503
    assert len(receiver.received) == MAX_ATTEMPTS
    assert sweep(now + timedelta(days=30)) == 0
    assert len(receiver.received) == MAX_ATTEMPTS


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    delays = [backoff_delay(n).total_seconds() for n in range(1, 9)]
    assert 24 <= delays[0] <= 36  # 30 s +- 20 %
    assert 96 <= delays[1] <= 144  # 2 min
    assert 384 <= delays[2] <= 576  # 8 min
    assert all(delay <= 6 * 3600 * 1.2 for delay in delays)
    assert delays[-1] >= 6 * 3600 * 0.8  # capped, not 30 s * 4^7


def test_the_task_is_idempotent(world, client_admin, receiver, subscribe, django_capture_on_commit_callbacks):
    subscription = subscribe(client_admin, receiver.url)
    from kpo.events.services import event_dispatch

    with django_capture_on_commit_callbacks(execute=False):  # fan out, but lose the enqueue
        event_dispatch(event_id=release_event(world.task_ap_ready).pk)
    delivery = WebhookDelivery.objects.get(subscription=subscription)

    assert deliver_webhook(delivery.pk) == DeliveryStatus.SUCCEEDED
    assert deliver_webhook(delivery.pk) is None  # already done: nothing sent
    assert len(receiver.received) == 1


def test_a_lost_enqueue_is_sent_by_the_sweep(
    world, client_admin, receiver, subscribe, sweep, django_capture_on_commit_callbacks
):
    subscription = subscribe(client_admin, receiver.url)
    from kpo.events.services import event_dispatch

    with django_capture_on_commit_callbacks(execute=False):  # the broker was down at commit
        event_dispatch(event_id=release_event(world.task_ap_ready).pk)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.PENDING

    assert sweep(timezone.now()) == 0  # still within its enqueue grace
    assert sweep(timezone.now() + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_an_attempt_whose_worker_died_is_retried(
    world, client_admin, receiver, subscribe, sweep, django_capture_on_commit_callbacks
):
    subscription = subscribe(client_admin, receiver.url)
    from kpo.events.services import event_dispatch

    with django_capture_on_commit_callbacks(execute=False):
        event_dispatch(event_id=release_event(world.task_ap_ready).pk)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    started = timezone.now()
    # A worker claimed it, then was killed before it could record anything.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERING, attempts=1, last_attempt_at=started
    )
    assert deliver_webhook(delivery.pk) is None  # a redelivered message cannot claim it twice

    sweep(started + timedelta(minutes=10))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert len(receiver.received) == 1


def test_a_paused_subscription_keeps_its_deliveries_until_it_is_active_again(
    world, client_admin, receiver, subscribe, dispatch, sweep
):
    from kpo.events.services import webhook_subscription_update

    subscription = subscribe(client_admin, receiver.url)
    receiver.script = [500]
    dispatch(release_event(world.task_ap_ready))
    webhook_subscription_update(subscription=subscription, actor=client_admin, is_active=False)
    later = timezone.now() + timedelta(hours=1)
    assert sweep(later) == 0
    assert len(receiver.received) == 1

    webhook_subscription_update(subscription=subscription, actor=client_admin, is_active=True)
    assert sweep(later) == 1
    assert WebhookDelivery.objects.get(subscription=subscription).status == DeliveryStatus.SUCCEEDED


def test_after_a_rotation_both_secrets_sign_for_the_grace_period(
    world, client_admin, receiver, subscribe, dispatch
):
    subscription = subscribe(client_admin, receiver.url)
    old_secret = subscription.secret
    rotated = webhook_subscription_rotate_secret(subscription=subscription, actor=client_admin)
    assert rotated.secret != old_secret

    dispatch(release_event(world.task_ap_ready))

    request = receiver.received[0]
    timestamp, signature = request.headers["X-KPO-Timestamp"], request.headers["X-KPO-Signature"]
    assert signature.count("sha256=") == 2
    assert verify_signature(rotated.secret, timestamp, request.body, signature)
    assert verify_signature(old_secret, timestamp, request.body, signature)


@override_settings(DEBUG=False, KPO_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_url_that_turned_private_is_refused_at_send_time(world, client_admin, receiver, dispatch):
    from kpo.events.models import WebhookSubscription

    # Saved while private targets were allowed (or the name resolved elsewhere then).
    subscription = WebhookSubscription.objects.create(
        organisation=client_admin.memberships.get().organisation, url=receiver.url, secret="whsec_x"
    )
    dispatch(release_event(world.task_ap_ready))

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert "Refused" in delivery.last_error
    assert receiver.received == []


def test_deliver_does_nothing_for_a_finished_or_missing_delivery(db):
    assert webhook_deliver(delivery_id=987654) is None
