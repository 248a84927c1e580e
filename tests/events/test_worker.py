"""Webhooks through a real Celery worker (PostgreSQL + Redis): a transition in this process, the fan-out and
the signed POST in the worker, a loopback receiver in this process. Skips without the services."""

import pytest

from engagements.choices import TaskStatus
from engagements.services import task_transition
from kpo.events.choices import DeliveryStatus
from kpo.events.models import DomainEvent, WebhookDelivery
from kpo.events.services import webhook_subscription_create
from kpo.events.signing import verify_signature

from ..services.conftest import celery_worker_process, wait_for  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_transition_reaches_the_receiver_signed_and_a_500_is_retried_by_the_worker(
    celery_worker_process,  # noqa: F811
    world,
    client_admin,
    provider_manager,
    receiver,
):
    # The world's own release events go first, so the subscription below hears only of the transition.
    wait_for(
        lambda: not DomainEvent.objects.filter(dispatched_at__isnull=True).exists(),
        worker=celery_worker_process,
    )
    subscription = webhook_subscription_create(
        actor=client_admin, url=receiver.url, event_types=["task.status_changed"]
    )
    receiver.script = [500]  # the first attempt fails; the countdown retry (~3 s in tests) succeeds
    task = world.task_ap_ready
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)

    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            subscription=subscription,
            status=DeliveryStatus.SUCCEEDED,
            event__payload__to_status="in_progress",
        ).first(),
        timeout=90,
        interval=0.5,
        worker=celery_worker_process,
    )
    assert delivery.attempts == 2
    assert "HTTP 500" not in delivery.last_error  # cleared by the success
    attempts = receiver.received
    assert len(attempts) == 2 and all(b'"to_status":"in_progress"' in r.body for r in attempts)
    assert attempts[0].headers["X-KPO-Idempotency-Key"] == attempts[1].headers["X-KPO-Idempotency-Key"]
    last = attempts[1]
    assert verify_signature(
        subscription.secret, last.headers["X-KPO-Timestamp"], last.body, last.headers["X-KPO-Signature"]
    )
