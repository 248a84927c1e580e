"""Fan-out of events to subscriptions: idempotent, and only to organisations that may see the engagement
(the provider never hears of a client's drafts, another provider's tasks, or reports)."""

import pytest
from django.utils import timezone

from engagements.choices import TaskStatus
from engagements.services import task_transition
from kpo.events.choices import EventType
from kpo.events.models import DomainEvent, WebhookDelivery
from kpo.events.recipients import webhook_subscriptions_for
from kpo.events.services import event_dispatch, event_publish, webhook_fan_out

from .conftest import release_event

pytestmark = pytest.mark.django_db

URL = "https://hooks.{}.example/kpo"


@pytest.fixture
def subs(
    world,
    client_admin,
    other_client_admin,
    provider_manager,
    other_provider_manager,
    consultant_executive,
    subscribe,
):
    """One subscription per organisation (no HTTP: these tests only look at who gets a delivery)."""
    return {
        "client_a": subscribe(client_admin, URL.format("northwind")),
        "client_b": subscribe(other_client_admin, URL.format("contoso")),
        "provider_p": subscribe(provider_manager, URL.format("prism")),
        "provider_q": subscribe(other_provider_manager, URL.format("quanta")),
        "consultancy": subscribe(consultant_executive, URL.format("meridian")),
    }


def receivers_of(event, subs, django_capture_on_commit_callbacks) -> set[str]:
    with django_capture_on_commit_callbacks(execute=False):  # deliveries recorded, none sent
        event_dispatch(event_id=event.pk)
    ids = set(WebhookDelivery.objects.filter(event=event).values_list("subscription_id", flat=True))
    return {name for name, subscription in subs.items() if subscription.pk in ids}


def test_dispatching_an_event_twice_creates_no_duplicate_deliveries(
    world, subs, django_capture_on_commit_callbacks
):
    event = release_event(world.task_ap_ready)
    with django_capture_on_commit_callbacks(execute=False):
        assert event_dispatch(event_id=event.pk) is True
        assert event_dispatch(event_id=event.pk) is False
        # Even a second fan-out of the same event (a retried dispatch) adds nothing.
        webhook_fan_out(event=event)
    assert WebhookDelivery.objects.filter(event=event).count() == 3  # client A, provider P, consultancy
    assert WebhookDelivery.objects.filter(event=event).values("subscription").distinct().count() == 3


def test_each_delivery_is_enqueued_after_commit(world, subs, django_capture_on_commit_callbacks):
    event = release_event(world.task_ap_ready)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event_dispatch(event_id=event.pk)
    assert len(callbacks) == 3  # one enqueue per delivery, none before the commit


def test_a_task_of_engagement_ap_goes_to_client_a_provider_p_and_the_attached_consultancy(
    world, subs, django_capture_on_commit_callbacks
):
    event = release_event(world.task_ap_ready)
    assert receivers_of(event, subs, django_capture_on_commit_callbacks) == {
        "client_a",
        "provider_p",
        "consultancy",
    }


def test_client_b_never_gets_client_a_events_and_provider_q_never_gets_provider_p_events(
    world, subs, django_capture_on_commit_callbacks
):
    got_ap = receivers_of(release_event(world.task_ap_ready), subs, django_capture_on_commit_callbacks)
    got_aq = receivers_of(release_event(world.task_aq), subs, django_capture_on_commit_callbacks)
    got_bp = receivers_of(release_event(world.task_bp), subs, django_capture_on_commit_callbacks)
    assert "client_b" not in got_ap and "provider_q" not in got_ap
    assert got_aq == {"client_a", "provider_q"}  # the consultancy is not attached to engagement AQ
    assert got_bp == {"client_b", "provider_p"}


def test_a_draft_cancelled_before_release_is_the_clients_business_only(
    world, subs, client_staff, django_capture_on_commit_callbacks
):
    draft = world.task_ap_draft
    task_transition(
        task=draft, to=TaskStatus.CANCELLED, actor=client_staff, version=draft.version, note="Dropped"
    )
    event = DomainEvent.objects.get(payload__task_id=draft.pk, payload__to_status="cancelled")
    assert receivers_of(event, subs, django_capture_on_commit_callbacks) == {"client_a", "consultancy"}


def test_a_report_ready_event_never_goes_to_the_provider(world, subs, django_capture_on_commit_callbacks):
    event = event_publish(
        event_type=EventType.REPORT_READY,
        engagement=world.engagement_ap,
        payload={"report_id": 1, "title": "Q2 review"},
    )
    assert receivers_of(event, subs, django_capture_on_commit_callbacks) == {"client_a", "consultancy"}


def test_a_kpi_breach_goes_to_every_party(world, subs, django_capture_on_commit_callbacks):
    event = event_publish(
        event_type=EventType.KPI_BREACHED, engagement=world.engagement_ap, payload={"kpi": "on_time"}
    )
    assert receivers_of(event, subs, django_capture_on_commit_callbacks) == {
        "client_a",
        "provider_p",
        "consultancy",
    }


def test_a_subscription_gets_only_the_event_types_it_chose(world, client_admin, subscribe):
    only_breaches = subscribe(
        client_admin, "https://hooks.northwind.example/breaches", event_types=["sla.breached"]
    )
    everything = subscribe(client_admin, "https://hooks.northwind.example/all")
    chosen = webhook_subscriptions_for(release_event(world.task_ap_ready))
    assert everything in chosen and only_breaches not in chosen


def test_a_paused_subscription_gets_no_new_deliveries(world, client_admin, subscribe):
    paused = subscribe(client_admin, "https://hooks.northwind.example/paused", is_active=False)
    assert paused not in webhook_subscriptions_for(release_event(world.task_ap_ready))


def test_an_event_without_an_engagement_or_a_ping_fans_out_to_nobody(world, subs):
    ping = DomainEvent.objects.create(
        event_type=EventType.WEBHOOK_PING, occurred_at=timezone.now(), payload={}
    )
    assert webhook_fan_out(event=ping) == 0


def test_fan_out_runs_a_constant_number_of_queries(
    world, client_admin, subscribe, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for i in range(40):
        subscribe(client_admin, f"https://hooks.northwind.example/{i}")
    event = release_event(world.task_ap_ready)
    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(12):
        event_dispatch(event_id=event.pk)
    assert WebhookDelivery.objects.filter(event=event).count() == 40
