"""A transition enqueues follow-up work that a real Celery worker completes against PostgreSQL and Redis."""

import pytest

from engagements.choices import TaskStatus
from engagements.services import task_transition
from kpo.events.models import DomainEvent, Notification

from .conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_delivery_notifies_client_sme_through_a_real_worker(
    celery_worker_process, world, provider_manager, client_sme
):
    task = world.task_ap_ready
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    task_transition(
        task=task, to=TaskStatus.DELIVERED, actor=provider_manager, version=task.version, note="Final"
    )

    notification = wait_for(
        lambda: (
            Notification.objects.filter(
                recipient=client_sme, title__contains=task.title, verb="task.status_changed"
            )
            .filter(title__startswith="Delivered")
            .first()
        ),
        worker=celery_worker_process,
    )
    assert notification.url == task.get_absolute_url()
    assert notification.body == "Final"
    event = DomainEvent.objects.get(pk=notification.event_id)
    assert event.payload["to_status"] == TaskStatus.DELIVERED
    assert event.dispatched_at is not None
    # The actor is never notified of their own action.
    assert not Notification.objects.filter(recipient=provider_manager, event=event).exists()


def test_every_published_event_is_dispatched_once(celery_worker_process, world, provider_manager):
    task = world.task_ap_other
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    task_transition(task=task, to=TaskStatus.ON_HOLD, actor=provider_manager, version=task.version)

    wait_for(
        lambda: not DomainEvent.objects.filter(dispatched_at__isnull=True).exists(),
        worker=celery_worker_process,
    )
    on_hold = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=TaskStatus.ON_HOLD)
    assert on_hold.attempts == 1
    recipients = list(Notification.objects.filter(event=on_hold).values_list("recipient__email", flat=True))
    assert sorted(recipients) == sorted(set(recipients)), "a recipient was notified twice"
    assert "staff@northwind.example" in recipients
