"""Notifications read in the reader's language, whatever language was active when they were written.

A notification keeps its event type and facts (`params`) and is worded when shown: on the notifications
page, the dashboard, the API and in emails (in the recipient's own language). Rows from before `params`
fall back to the English text they stored.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from kpo.events.choices import EventType
from kpo.events.models import DomainEvent, Notification
from kpo.events.services import email_digests_send, event_dispatch

from .conftest import release_event

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French viewer's request leaves French active in this thread (the profile-language middleware
    activates it and nothing deactivates it): give the next test the default back."""
    yield
    translation.activate("en")


def _speaks(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def _dispatch_in_english(event: DomainEvent) -> None:
    """Dispatch as a worker would, with English active (the language the rows used to be frozen in)."""
    with translation.override("en"):
        assert event_dispatch(event_id=event.pk)


def _sla_breach(world, task, *, priority="P1") -> DomainEvent:
    return DomainEvent.objects.create(
        event_type=EventType.SLA_BREACHED,
        engagement=task.engagement,
        occurred_at=timezone.now(),
        payload={
            "task_id": task.pk,
            "task_title": task.title,
            "task_url": task.get_absolute_url(),
            "engagement_id": task.engagement_id,
            "clock": "resolution",
            "level": "breached",
            "priority": priority,
            "assignee_user_id": None,
        },
    )


def _kpi_breach(world) -> DomainEvent:
    engagement = world.engagement_ap
    return DomainEvent.objects.create(
        event_type=EventType.KPI_BREACHED,
        engagement=engagement,
        occurred_at=timezone.now(),
        payload={
            "kpi": "resolution_compliance",
            "kpi_label": "Resolution compliance (on time)",
            "period": "2026-10",
            "value_display": "87.5%",
            "target_display": "95.0%",
            "numerator": "7",
            "denominator": "8",
            "engagement_id": engagement.pk,
            "engagement_title": engagement.title,
            "url": engagement.get_absolute_url(),
        },
    )


def test_a_release_notified_in_english_reads_in_french_on_the_notifications_page_and_dashboard(
    world, client, provider_manager
):
    task = world.task_ap_ready
    _dispatch_in_english(release_event(task))
    notification = Notification.objects.get(recipient=provider_manager, verb=EventType.TASK_STATUS_CHANGED)
    assert notification.title == f"New task released: {task.title}"  # the stored English fallback
    assert notification.params["to_status"] == "ready"

    client.force_login(_speaks(provider_manager, "fr"))
    french = f"Nouvelle tâche transmise{NBSP}: {task.title}"
    for url in (reverse("events:notifications"), reverse("home")):
        body = client.get(url).content.decode()
        assert french in body, url
        assert "New task released" not in body, url


def test_the_same_row_reads_in_english_for_an_english_reader(world, client, provider_manager):
    task = world.task_ap_ready
    _dispatch_in_english(release_event(task))
    client.force_login(_speaks(provider_manager, "en"))
    body = client.get(reverse("events:notifications")).content.decode()
    assert f"New task released: {task.title}" in body and "Nouvelle tâche" not in body


def test_a_notification_written_while_french_was_active_still_reads_in_english(
    world, client, provider_manager
):
    """The worker's language no longer leaks into what people read."""
    with translation.override("fr"):
        assert event_dispatch(event_id=release_event(world.task_ap_ready).pk)
    notification = Notification.objects.get(recipient=provider_manager)
    assert notification.title.startswith("New task released: ")
    client.force_login(_speaks(provider_manager, "en"))
    assert "New task released: " in client.get(reverse("events:notifications")).content.decode()


def test_an_sla_breach_reads_in_french_with_the_clock_named_in_french(world, client, client_staff):
    task = world.task_ap_ready
    _dispatch_in_english(_sla_breach(world, task))
    client.force_login(_speaks(client_staff, "fr"))
    body = client.get(reverse("events:notifications")).content.decode()
    assert f"SLA dépassé (résolution, P1){NBSP}: {task.title}" in body
    assert "Le délai de résolution de cette tâche est épuisé." in body
    assert "SLA breached" not in body and "budget of this task" not in body


def test_a_kpi_breach_writes_its_figures_the_french_way(world, client, client_admin):
    _dispatch_in_english(_kpi_breach(world))
    notification = Notification.objects.get(recipient=client_admin)
    assert notification.title == "KPI breached: Resolution compliance (on time) for 2026-10"
    assert "87.5% against a target of 95.0% (7 / 8)." in notification.body
    client.force_login(_speaks(client_admin, "fr"))
    body = client.get(reverse("events:notifications")).content.decode()
    assert f"KPI non atteint{NBSP}: Respect des délais de résolution" in body
    assert f"87,5{NBSP}% pour un objectif de 95,0{NBSP}% (7 / 8)." in body


def test_an_old_row_without_params_falls_back_to_its_stored_english_text(client, client_staff):
    Notification.objects.create(
        recipient=client_staff,
        verb=EventType.TASK_STATUS_CHANGED,
        title="Delivered, awaiting your review: Legacy vendor file",
        body="Left as it was written.",
    )
    client.force_login(_speaks(client_staff, "fr"))
    for url in (reverse("events:notifications"), reverse("home")):
        body = client.get(url).content.decode()
        assert "Delivered, awaiting your review: Legacy vendor file" in body, url
    assert "Left as it was written." in client.get(reverse("events:notifications")).content.decode()


def test_a_report_ready_notification_reads_in_french(client, client_staff):
    Notification.objects.create(
        recipient=client_staff,
        verb=EventType.REPORT_READY,
        title="Report ready: Q3 review (version 2)",
        params={"report_title": "Q3 review", "version": 2, "page_count": 7, "content_sha256": "ab" * 32},
    )
    client.force_login(_speaks(client_staff, "fr"))
    body = client.get(reverse("events:notifications")).content.decode()
    assert f"Rapport prêt{NBSP}: Q3 review (version 2)" in body
    assert f"7 pages. SHA-256 du contenu{NBSP}: {'ab' * 8}…" in body


def test_the_api_words_notifications_in_the_request_language(world, client, provider_manager):
    _dispatch_in_english(release_event(world.task_ap_ready))
    client.force_login(_speaks(provider_manager, "fr"))
    response = client.get(reverse("api:notification-list"))
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["results"]]
    assert titles == [f"Nouvelle tâche transmise{NBSP}: {world.task_ap_ready.title}"]


def test_an_urgent_breach_is_emailed_in_the_recipients_language(world, client_staff, provider_manager):
    _speaks(client_staff, "fr")
    _speaks(provider_manager, "en")
    task = world.task_ap_ready
    _dispatch_in_english(_sla_breach(world, task, priority="P1"))
    mail.outbox.clear()
    with translation.override("en"):
        assert email_digests_send(now=timezone.now()) >= 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    french, english = by_recipient[client_staff.email], by_recipient[provider_manager.email]
    assert french.subject == f"SLA dépassé (résolution, P1){NBSP}: {task.title}"
    assert (
        french.body.startswith("Bonjour,")
        and "Le délai de résolution de cette tâche est épuisé." in french.body
    )
    assert english.subject == f"SLA breached (resolution, P1): {task.title}"
    assert (
        english.body.startswith("Hello,") and "The resolution budget of this task is used up." in english.body
    )


def test_a_digest_of_several_alerts_has_a_french_subject(world, client_staff):
    _speaks(client_staff, "fr")
    _dispatch_in_english(_sla_breach(world, world.task_ap_ready, priority="P1"))
    _dispatch_in_english(_sla_breach(world, world.task_ap_other, priority="P1"))
    mail.outbox.clear()
    email_digests_send(now=datetime.now(UTC))
    subjects = [m.subject for m in mail.outbox if client_staff.email in m.to]
    assert subjects == [f"KPO Desk{NBSP}: 2 alertes SLA pour vous"]


def test_the_notifications_page_and_dashboard_read_a_constant_number_of_queries(
    world, client, client_admin, django_assert_max_num_queries
):
    """Wording happens in Python from the row: many notifications of every kind add no query."""
    kinds = [
        (EventType.TASK_STATUS_CHANGED, {"task_title": "Vendor file", "to_status": "delivered", "note": ""}),
        (EventType.SLA_AT_RISK, {"task_title": "Vendor file", "clock": "response", "priority": "P2"}),
        (EventType.KPI_BREACHED, {"kpi": "accuracy", "period": "2026-10", "value_percent": "91.7"}),
        (EventType.REPORT_READY, {"report_title": "Q3", "version": 1, "page_count": 3, "content_sha256": ""}),
    ]
    Notification.objects.bulk_create(
        [
            Notification(recipient=client_admin, verb=verb, title="English", params=params)
            for verb, params in kinds * 10
        ]
    )
    client.force_login(_speaks(client_admin, "fr"))
    for url in (reverse("events:notifications"), reverse("home")):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_a_system_note_on_the_task_history_reads_in_french(world, client, provider_manager):
    task = world.task_ap_ready
    assert task.events.filter(note="Task created").exists()
    client.force_login(_speaks(provider_manager, "fr"))
    body = client.get(reverse("engagements:task-detail", args=[task.pk])).content.decode()
    assert "Tâche créée" in body and "Task created" not in body


def test_figures_in_params_are_plain_strings_that_survive_json(world):
    """Params are stored as JSON: numbers as strings or ints, never Decimals."""
    _dispatch_in_english(_kpi_breach(world))
    params = Notification.objects.filter(verb=EventType.KPI_BREACHED).first().params
    assert params["value_percent"] == "87.5" and Decimal(params["target_percent"]) == Decimal("95.0")
