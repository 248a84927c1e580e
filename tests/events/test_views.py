"""The webhook and notification pages: who may reach them, 404 across organisations, the secret shown once,
form errors, the delivery log with Re-send (plain and htmx), mark-one-read, and constant query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kpo.events.choices import DeliveryStatus
from kpo.events.models import DomainEvent, Notification, WebhookDelivery, WebhookSubscription

from .conftest import release_event

pytestmark = pytest.mark.django_db

MANAGERS = {"client_admin", "provider_manager", "other_provider_manager", "consultant_executive", "operator"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sub_a(client_admin, subscribe):
    return subscribe(client_admin, "https://hooks.northwind.example/kpo", description="Ticketing bridge")


@pytest.fixture
def delivery_a(world, sub_a):
    return WebhookDelivery.objects.create(
        subscription=sub_a,
        event=release_event(world.task_ap_ready),
        status=DeliveryStatus.DEAD,
        attempts=8,
        last_error="ConnectionError: Connection refused",
        last_response_code=None,
    )


def test_only_managers_reach_the_webhook_pages(personas, client, sub_a):
    for name, user in personas.items():
        client.force_login(user)
        expected = 200 if name in MANAGERS else 403
        assert client.get(reverse("events:webhooks")).status_code == expected, name
    client.logout()
    assert client.get(reverse("events:webhooks")).status_code == 302  # to the login page


def test_another_organisations_webhook_is_a_404_on_every_page(personas, login, sub_a, delivery_a):
    pages = [
        ("get", reverse("events:webhook-deliveries", args=[sub_a.pk])),
        ("get", reverse("events:webhook-edit", args=[sub_a.pk])),
        ("post", reverse("events:webhook-edit", args=[sub_a.pk])),
        ("get", reverse("events:webhook-delete", args=[sub_a.pk])),
        ("post", reverse("events:webhook-delete", args=[sub_a.pk])),
        ("post", reverse("events:webhook-rotate-secret", args=[sub_a.pk])),
        ("post", reverse("events:webhook-test", args=[sub_a.pk])),
        ("post", reverse("events:webhook-delivery-resend", args=[delivery_a.pk])),
    ]
    for name in ("provider_manager", "other_provider_manager", "consultant_executive"):
        client = login(personas[name])
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, (name, method, url)
    assert WebhookSubscription.objects.filter(pk=sub_a.pk).exists()
    assert WebhookDelivery.objects.get(pk=delivery_a.pk).status == DeliveryStatus.DEAD


def test_the_list_shows_the_organisations_webhooks(login, client_admin, sub_a, provider_manager, subscribe):
    subscribe(provider_manager, "https://hooks.prism.example/kpo")
    page = login(client_admin).get(reverse("events:webhooks")).content.decode()
    assert sub_a.url in page and "Ticketing bridge" in page
    assert "hooks.prism.example" not in page
    assert sub_a.secret not in page


def test_creating_a_webhook_shows_its_secret_once(login, client_admin):
    client = login(client_admin)
    assert client.get(reverse("events:webhook-create")).status_code == 200
    response = client.post(
        reverse("events:webhook-create"),
        {"url": "https://hooks.northwind.example/new", "event_types": ["sla.breached"], "is_active": "on"},
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get(url="https://hooks.northwind.example/new")
    assert subscription.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert subscription.event_types == ["sla.breached"] and subscription.is_active
    log = client.get(reverse("events:webhook-deliveries", args=[subscription.pk])).content.decode()
    assert subscription.secret not in log


@pytest.mark.parametrize(
    "data, message",
    [
        ({"url": "not a url"}, "valid URL"),
        ({"url": "https://hooks.example/x", "event_types": ["task.exploded"]}, "valid choice"),
    ],
)
def test_a_bad_form_is_a_400_with_the_message_and_nothing_saved(login, client_admin, data, message):
    response = login(client_admin).post(reverse("events:webhook-create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_private_url_is_a_form_error_in_production(login, client_admin, settings):
    settings.DEBUG = False
    settings.KPO_WEBHOOKS_ALLOW_PRIVATE = False
    response = login(client_admin).post(reverse("events:webhook-create"), {"url": "http://127.0.0.1:8000/x"})
    assert response.status_code == 400
    assert "private" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_only_a_manager_with_an_organisation_may_create(login, operator, client_staff):
    assert login(operator).get(reverse("events:webhook-create")).status_code == 403
    assert (
        login(client_staff).post(reverse("events:webhook-create"), {"url": "https://x.example"}).status_code
        == 403
    )


def test_rotate_test_edit_and_delete(login, client_admin, sub_a, django_capture_on_commit_callbacks):
    client = login(client_admin)
    old = sub_a.secret
    response = client.post(reverse("events:webhook-rotate-secret", args=[sub_a.pk]))
    sub_a.refresh_from_db()
    assert sub_a.secret != old and sub_a.secret in response.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("events:webhook-test", args=[sub_a.pk])).status_code == 302
    assert len(callbacks) == 1
    assert sub_a.deliveries.get().event.event_type == "webhook.ping"

    response = client.post(
        reverse("events:webhook-edit", args=[sub_a.pk]), {"url": sub_a.url, "description": "Renamed"}
    )
    assert response.status_code == 302
    sub_a.refresh_from_db()
    assert sub_a.description == "Renamed" and sub_a.is_active is False  # unticked box
    # A paused webhook refuses a ping, with the reason on the page.
    response = client.post(reverse("events:webhook-test", args=[sub_a.pk]), follow=True)
    assert "paused" in response.content.decode()
    assert sub_a.deliveries.count() == 1

    assert client.get(reverse("events:webhook-delete", args=[sub_a.pk])).status_code == 200
    assert client.post(reverse("events:webhook-delete", args=[sub_a.pk])).status_code == 302
    assert not WebhookSubscription.objects.filter(pk=sub_a.pk).exists()


def test_the_delivery_log_shows_status_attempts_error_and_a_resend_button(login, client_admin, delivery_a):
    page = login(client_admin).get(reverse("events:webhook-deliveries", args=[delivery_a.subscription_id]))
    html = page.content.decode()
    assert "Dead (gave up)" in html
    assert "Connection refused" in html
    assert ">8<" in html  # attempts
    assert reverse("events:webhook-delivery-resend", args=[delivery_a.pk]) in html
    assert "Re-send" in html
    filtered = login(client_admin).get(
        reverse("events:webhook-deliveries", args=[delivery_a.subscription_id]), {"status": "succeeded"}
    )
    assert "Connection refused" not in filtered.content.decode()


def test_resend_from_the_page_plain_and_htmx(
    login, client_admin, delivery_a, django_capture_on_commit_callbacks
):
    client = login(client_admin)
    url = reverse("events:webhook-delivery-resend", args=[delivery_a.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302
    assert len(callbacks) == 1
    delivery_a.refresh_from_db()
    assert delivery_a.status == DeliveryStatus.PENDING and delivery_a.attempts == 0

    WebhookDelivery.objects.filter(pk=delivery_a.pk).update(status=DeliveryStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="delivery-{delivery_a.pk}"') and "Pending" in html

    WebhookDelivery.objects.filter(pk=delivery_a.pk).update(status=DeliveryStatus.DELIVERING)
    response = client.post(url, **HTMX)
    assert response.status_code == 409
    assert "being sent" in response.content.decode()


def test_resend_is_refused_to_a_member_without_the_role(login, client_staff, delivery_a):
    response = login(client_staff).post(reverse("events:webhook-delivery-resend", args=[delivery_a.pk]))
    assert response.status_code == 403
    assert WebhookDelivery.objects.get(pk=delivery_a.pk).status == DeliveryStatus.DEAD


def _notify(user, n):
    return Notification.objects.bulk_create(
        [Notification(recipient=user, verb="task.status_changed", title=f"Note {i}") for i in range(n)]
    )


def test_mark_one_read_with_htmx_and_without(login, client_staff, other_client_staff):
    first, second = _notify(client_staff, 2)
    theirs = _notify(other_client_staff, 1)[0]
    client = login(client_staff)
    response = client.post(reverse("events:notification-read", args=[first.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<li class="list-row" id="notification-{first.pk}"')
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None

    response = client.post(
        reverse("events:notification-read", args=[second.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("events:notifications")
    assert client.post(reverse("events:notification-read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_notifications_page_links_to_webhooks_for_managers_only(login, client_admin, client_staff):
    link = reverse("events:webhooks")
    assert link in login(client_admin).get(reverse("events:notifications")).content.decode()
    assert link not in login(client_staff).get(reverse("events:notifications")).content.decode()


def test_notifications_are_paginated(login, client_staff):
    _notify(client_staff, 55)
    client = login(client_staff)
    first = client.get(reverse("events:notifications")).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(reverse("events:notifications"), {"page": 2}).content.decode()
    assert second.count('class="list-row"') == 5


def test_pages_run_a_constant_number_of_queries(
    world, login, client_admin, subscribe, django_assert_max_num_queries
):
    subscriptions = [subscribe(client_admin, f"https://hooks.northwind.example/{i}") for i in range(15)]
    events = [
        DomainEvent.objects.create(
            event_type="sla.breached", occurred_at=timezone.now(), engagement=world.engagement_ap, payload={}
        )
        for _ in range(20)
    ]
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=subscriptions[0], event=e) for e in events]
    )
    _notify(client_admin, 30)
    client = login(client_admin)
    for url in (
        reverse("events:webhooks"),
        reverse("events:webhook-deliveries", args=[subscriptions[0].pk]),
        reverse("events:notifications"),
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url


def test_an_empty_form_post_names_the_missing_url(login, client_admin):
    response = login(client_admin).post(reverse("events:webhook-create"), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
