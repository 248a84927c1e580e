"""The webhook and notification API: permission matrix per persona, 404 across organisations, the secret
shown once, clear 400s, resend, notifications marked read, and constant query counts on the lists."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kpo.core.models import AuditLog
from kpo.events.choices import DeliveryStatus
from kpo.events.models import DomainEvent, Notification, WebhookDelivery, WebhookSubscription

from .conftest import release_event

pytestmark = pytest.mark.django_db

SUBS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"
NOTIFICATIONS = "/api/v1/notifications/"

MANAGERS = {"client_admin", "provider_manager", "other_provider_manager", "consultant_executive", "operator"}


@pytest.fixture
def api():
    def _api(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _api


@pytest.fixture
def sub_a(client_admin, subscribe):
    return subscribe(client_admin, "https://hooks.northwind.example/kpo", event_types=["task.status_changed"])


@pytest.fixture
def delivery_a(world, sub_a, django_capture_on_commit_callbacks):
    """A failed delivery of client A's subscription (recorded directly: no HTTP here)."""
    return WebhookDelivery.objects.create(
        subscription=sub_a,
        event=release_event(world.task_ap_ready),
        status=DeliveryStatus.FAILED,
        attempts=3,
        last_error="HTTP 503 Service Unavailable",
        last_response_code=503,
    )


def test_only_organisation_managers_may_list_subscriptions(personas, api, world):
    for name, user in personas.items():
        expected = 200 if name in MANAGERS else 403
        assert api(user).get(SUBS).status_code == expected, name
    assert api().get(SUBS).status_code == 401


def test_another_organisations_subscription_is_a_404_on_every_route(personas, api, sub_a):
    routes = [
        ("get", f"{SUBS}{sub_a.pk}/"),
        ("patch", f"{SUBS}{sub_a.pk}/"),
        ("delete", f"{SUBS}{sub_a.pk}/"),
        ("post", f"{SUBS}{sub_a.pk}/rotate-secret/"),
        ("post", f"{SUBS}{sub_a.pk}/test/"),
    ]
    for name in ("provider_manager", "other_provider_manager", "consultant_executive"):
        client = api(personas[name])
        for method, url in routes:
            response = getattr(client, method)(url, {"description": "x"}, format="json")
            assert response.status_code == 404, (name, method, url)
    for name in ("client_staff", "client_sme", "other_client_staff", "provider_analyst"):
        assert api(personas[name]).get(f"{SUBS}{sub_a.pk}/").status_code == 403, name
    assert api(personas["client_admin"]).get(f"{SUBS}{sub_a.pk}/").status_code == 200
    assert api(personas["operator"]).get(f"{SUBS}{sub_a.pk}/").status_code == 200
    sub_a.refresh_from_db()
    assert sub_a.description == "" and WebhookSubscription.objects.filter(pk=sub_a.pk).exists()


def test_a_list_shows_only_the_organisations_own_subscriptions(
    personas, api, sub_a, provider_manager, subscribe
):
    sub_p = subscribe(provider_manager, "https://hooks.prism.example/kpo")
    ids = lambda user: {row["id"] for row in api(user).get(SUBS).json()["results"]}  # noqa: E731
    assert ids(personas["client_admin"]) == {sub_a.pk}
    assert ids(provider_manager) == {sub_p.pk}
    assert ids(personas["other_provider_manager"]) == set()
    assert ids(personas["operator"]) == {sub_a.pk, sub_p.pk}


def test_create_returns_the_secret_once_and_never_again(api, client_admin):
    response = api(client_admin).post(
        SUBS,
        {"url": "https://hooks.northwind.example/new", "event_types": ["sla.breached", "report.ready"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["organisation"]["name"] == "Northwind Bank"
    assert body["event_types"] == ["sla.breached", "report.ready"]
    subscription = WebhookSubscription.objects.get(pk=body["id"])
    assert subscription.secret == body["secret"] and subscription.created_by == client_admin
    assert "secret" not in api(client_admin).get(f"{SUBS}{body['id']}/").json()
    assert all("secret" not in row for row in api(client_admin).get(SUBS).json()["results"])
    assert AuditLog.objects.filter(action="webhook.created", object_id=str(subscription.pk)).exists()


def test_rotate_secret_shows_the_new_one_and_keeps_the_old_one_signing_for_a_while(api, client_admin, sub_a):
    old = sub_a.secret
    response = api(client_admin).post(f"{SUBS}{sub_a.pk}/rotate-secret/")
    assert response.status_code == 200
    sub_a.refresh_from_db()
    assert response.json()["secret"] == sub_a.secret != old
    assert sub_a.previous_secret == old and sub_a.previous_secret_expires_at > timezone.now()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://hooks.example/x"}, "url"),
        ({"url": "https://hooks.example/x", "event_types": ["task.exploded"]}, "event_types"),
        ({"url": "https://hooks.example/x", "event_types": "sla.breached"}, "event_types"),
        ({"url": "https://hooks.example/x", "secret": "mine"}, "secret"),
        ({}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, client_admin, payload, field):
    response = api(client_admin).post(SUBS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert any(name.split(".")[0] == field for name in response.json()["errors"])  # e.g. event_types.0
    assert not WebhookSubscription.objects.exists()


def test_a_duplicate_url_is_a_400_on_url(api, client_admin, sub_a):
    response = api(client_admin).post(SUBS, {"url": sub_a.url}, format="json")
    assert response.status_code == 400
    assert "already" in response.json()["errors"]["url"][0]


def test_a_private_url_is_refused_in_production(api, client_admin, settings):
    settings.DEBUG = False
    settings.KPO_WEBHOOKS_ALLOW_PRIVATE = False
    response = api(client_admin).post(SUBS, {"url": "http://169.254.169.254/latest/"}, format="json")
    assert response.status_code == 400
    assert "private" in response.json()["errors"]["url"][0]


def test_an_operator_without_an_organisation_cannot_create(api, operator):
    response = api(operator).post(SUBS, {"url": "https://hooks.example/x"}, format="json")
    assert response.status_code == 403


def test_patch_updates_and_audits(api, client_admin, sub_a):
    response = api(client_admin).patch(
        f"{SUBS}{sub_a.pk}/", {"is_active": False, "event_types": []}, format="json"
    )
    assert response.status_code == 200, response.json()
    sub_a.refresh_from_db()
    assert sub_a.is_active is False and sub_a.event_types == []
    assert AuditLog.objects.filter(action="webhook.updated", object_id=str(sub_a.pk)).exists()


def test_delete_removes_the_subscription(api, client_admin, sub_a):
    assert api(client_admin).delete(f"{SUBS}{sub_a.pk}/").status_code == 204
    assert not WebhookSubscription.objects.filter(pk=sub_a.pk).exists()


def test_test_ping_queues_a_delivery(api, client_admin, sub_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(client_admin).post(f"{SUBS}{sub_a.pk}/test/")
    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.ping"
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1
    assert DomainEvent.objects.get(pk=response.json()["event_id"]).dispatched_at is not None


def test_a_paused_subscription_refuses_a_test_ping(api, client_admin, sub_a):
    sub_a.is_active = False
    sub_a.save()
    response = api(client_admin).post(f"{SUBS}{sub_a.pk}/test/")
    assert response.status_code == 400
    assert "paused" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


def test_deliveries_are_scoped_filtered_and_resendable(
    personas, api, delivery_a, django_capture_on_commit_callbacks
):
    client_admin = personas["client_admin"]
    rows = api(client_admin).get(DELIVERIES, {"status": "failed"}).json()["results"]
    assert [row["id"] for row in rows] == [delivery_a.pk]
    assert rows[0]["last_error"] == "HTTP 503 Service Unavailable" and rows[0]["last_response_code"] == 503
    assert api(client_admin).get(DELIVERIES, {"status": "succeeded"}).json()["results"] == []
    assert (
        api(client_admin).get(DELIVERIES, {"subscription": delivery_a.subscription_id}).json()["count"] == 1
    )
    assert api(client_admin).get(DELIVERIES, {"status": "nonsense"}).status_code == 400
    assert api(client_admin).get(DELIVERIES, {"subscription": 10**30}).status_code == 400
    for name in ("provider_manager", "other_provider_manager", "consultant_executive"):
        assert api(personas[name]).get(DELIVERIES).json()["results"] == [], name
        assert api(personas[name]).get(f"{DELIVERIES}{delivery_a.pk}/").status_code == 404, name
        assert api(personas[name]).post(f"{DELIVERIES}{delivery_a.pk}/resend/").status_code == 404, name
    assert api(personas["client_staff"]).post(f"{DELIVERIES}{delivery_a.pk}/resend/").status_code == 403

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(client_admin).post(f"{DELIVERIES}{delivery_a.pk}/resend/")
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    assert len(callbacks) == 1
    assert AuditLog.objects.filter(action="webhook.delivery_resent", object_id=str(delivery_a.pk)).exists()


def test_a_delivery_in_flight_cannot_be_resent(api, client_admin, delivery_a):
    WebhookDelivery.objects.filter(pk=delivery_a.pk).update(status=DeliveryStatus.DELIVERING)
    response = api(client_admin).post(f"{DELIVERIES}{delivery_a.pk}/resend/")
    assert response.status_code == 409
    assert WebhookDelivery.objects.get(pk=delivery_a.pk).status == DeliveryStatus.DELIVERING


def _notify(user, n):
    return Notification.objects.bulk_create(
        [Notification(recipient=user, verb="task.status_changed", title=f"Note {i}") for i in range(n)]
    )


def test_notifications_are_each_users_own(api, client_staff, other_client_staff):
    mine = _notify(client_staff, 2)
    theirs = _notify(other_client_staff, 1)
    ids = {row["id"] for row in api(client_staff).get(NOTIFICATIONS).json()["results"]}
    assert ids == {n.pk for n in mine}
    assert api(client_staff).get(f"{NOTIFICATIONS}{theirs[0].pk}/").status_code == 404
    assert api().get(NOTIFICATIONS).status_code == 401


def test_mark_read_by_ids_ignores_others_and_all_marks_everything(api, client_staff, other_client_staff):
    mine = _notify(client_staff, 3)
    theirs = _notify(other_client_staff, 1)
    response = api(client_staff).post(
        f"{NOTIFICATIONS}read/", {"ids": [mine[0].pk, theirs[0].pk]}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    assert api(client_staff).get(NOTIFICATIONS, {"unread": "true"}).json()["count"] == 2
    assert api(client_staff).post(f"{NOTIFICATIONS}read/", {"all": True}, format="json").json() == {
        "marked": 2
    }
    assert api(client_staff).get(NOTIFICATIONS, {"unread": "true"}).json()["count"] == 0


@pytest.mark.parametrize(
    "payload",
    [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [10**30]}, {"all": True, "ids": [1]}, {"every": True}],
)
def test_mark_read_refuses_unclear_input(api, client_staff, payload):
    assert api(client_staff).post(f"{NOTIFICATIONS}read/", payload, format="json").status_code == 400


def _count_queries(django_assert_max_num_queries, client, url, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_list_endpoints_run_a_constant_number_of_queries(
    world, api, client_admin, subscribe, django_assert_max_num_queries
):
    subscriptions = [subscribe(client_admin, f"https://hooks.northwind.example/{i}") for i in range(12)]
    events = [
        DomainEvent.objects.create(
            event_type="sla.breached", occurred_at=timezone.now(), engagement=world.engagement_ap, payload={}
        )
        for _ in range(12)
    ]
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=e) for s in subscriptions[:4] for e in events]
    )
    _notify(client_admin, 40)
    client = api(client_admin)
    for url in (SUBS, DELIVERIES, NOTIFICATIONS):
        response = _count_queries(django_assert_max_num_queries, client, url, 6)
        assert len(response.json()["results"]) >= 12, url
