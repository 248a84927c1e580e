"""The pages each persona may open, and the 404s they get for another tenant's objects."""

from datetime import date

import pytest
from django.urls import reverse

from engagements.choices import TaskStatus
from engagements.services import task_transition
from providers.choices import CandidateSource, CandidateStage
from providers.models import Candidate
from reports.choices import ReportStatus
from reports.document import content_sha256, report_document
from reports.models import RecommendationReport, ReportVersion

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_by_email_reaches_home(client, client_staff):
    client_staff.set_password("a-long-test-password")
    client_staff.save()
    response = client.post(
        reverse("login"),
        {"username": "STAFF@northwind.example", "password": "a-long-test-password"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Welcome, Alice" in response.content


def test_demo_password_is_refused_with_a_clear_message_outside_debug(client, client_staff, settings):
    settings.DEBUG = False
    client_staff.set_password(settings.KPO_DEMO_PASSWORD)
    client_staff.save()
    response = client.post(
        reverse("login"), {"username": client_staff.email, "password": settings.KPO_DEMO_PASSWORD}
    )
    assert response.status_code == 200
    assert "only works in a development setup" in response.content.decode()
    assert "_auth_user_id" not in client.session


# Which engagement pages each persona may open (200) or must not learn exist (404).
ENGAGEMENT_MATRIX = {
    "client_staff": {"engagement_ap": 200, "engagement_aq": 200, "engagement_bp": 404},
    "client_sme": {"engagement_ap": 200, "engagement_aq": 200, "engagement_bp": 404},
    "other_client_staff": {"engagement_ap": 404, "engagement_aq": 404, "engagement_bp": 200},
    "provider_manager": {"engagement_ap": 200, "engagement_aq": 404, "engagement_bp": 200},
    "other_provider_manager": {"engagement_ap": 404, "engagement_aq": 200, "engagement_bp": 404},
    "consultant_executive": {"engagement_ap": 200, "engagement_aq": 404, "engagement_bp": 404},
    "consultant_broker": {"engagement_ap": 404, "engagement_aq": 404, "engagement_bp": 404},
    "operator": {"engagement_ap": 200, "engagement_aq": 200, "engagement_bp": 200},
}


@pytest.mark.parametrize("persona", sorted(ENGAGEMENT_MATRIX))
def test_engagement_page_access_matrix(persona, world, personas, client):
    client.force_login(personas[persona])
    for name, expected in ENGAGEMENT_MATRIX[persona].items():
        engagement = getattr(world, name)
        response = client.get(reverse("engagements:detail", args=[engagement.pk]))
        assert response.status_code == expected, f"{persona} on {name}"
        if expected == 200:
            assert engagement.title in response.content.decode()


TASK_MATRIX = {
    "client_staff": {"task_ap_ready": 200, "task_aq": 200, "task_bp": 404},
    "other_client_staff": {"task_ap_ready": 404, "task_aq": 404, "task_bp": 200},
    "provider_manager": {"task_ap_ready": 200, "task_aq": 404, "task_bp": 200},
    "provider_analyst": {"task_ap_ready": 200, "task_ap_other": 404, "task_bp": 404, "task_aq": 404},
    "other_provider_manager": {"task_ap_ready": 404, "task_aq": 200, "task_bp": 404},
    "consultant_analyst": {"task_ap_ready": 200, "task_aq": 404, "task_bp": 404},
}


@pytest.mark.parametrize("persona", sorted(TASK_MATRIX))
def test_task_page_access_matrix(persona, world, personas, client):
    client.force_login(personas[persona])
    for name, expected in TASK_MATRIX[persona].items():
        response = client.get(reverse("engagements:task-detail", args=[getattr(world, name).pk]))
        assert response.status_code == expected, f"{persona} on {name}"


def test_home_lists_only_own_engagements(world, client, client_staff):
    client.force_login(client_staff)
    body = client.get(reverse("home")).content.decode()
    assert world.engagement_ap.title in body
    assert world.engagement_aq.title in body
    assert world.engagement_bp.title not in body


def test_provider_manager_home_never_lists_another_providers_tasks(world, client, other_provider_manager):
    client.force_login(other_provider_manager)
    body = client.get(reverse("home")).content.decode()
    assert world.task_aq.title in body
    assert world.task_ap_ready.title not in body
    assert world.task_bp.title not in body


def test_provider_manager_moves_a_task_from_the_page(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-transition", args=[task.pk]),
        {"to": TaskStatus.IN_PROGRESS, "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    page = client.get(reverse("engagements:task-detail", args=[task.pk])).content.decode()
    assert "In progress" in page


def test_refused_transition_is_explained_and_changes_nothing(world, client, client_staff):
    task = world.task_ap_ready
    client.force_login(client_staff)
    response = client.post(
        reverse("engagements:task-transition", args=[task.pk]),
        {"to": TaskStatus.DELIVERED, "version": task.version},
    )
    assert response.status_code == 409
    assert "cannot go from" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.READY


def test_stale_version_on_the_page_asks_to_reload(world, client, provider_manager, consultant_executive):
    task = world.task_ap_ready
    seen_version = task.version
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-transition", args=[task.pk]),
        {"to": TaskStatus.ON_HOLD, "version": seen_version},
    )
    assert response.status_code == 412
    assert "Reload it" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_transition_on_another_tenants_task_is_a_404(world, client, other_provider_manager):
    task = world.task_ap_ready
    client.force_login(other_provider_manager)
    response = client.post(
        reverse("engagements:task-transition", args=[task.pk]),
        {"to": TaskStatus.IN_PROGRESS, "version": task.version},
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.READY


def test_bad_transition_input_is_a_form_error_not_a_500(world, client, provider_manager):
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-transition", args=[world.task_ap_ready.pk]), {"to": "flying"}
    )
    assert response.status_code == 400


def test_comment_on_another_clients_engagement_is_a_404(world, client, other_client_staff):
    client.force_login(other_client_staff)
    response = client.post(
        reverse("engagements:comment-create", args=[world.engagement_ap.pk]), {"body": "hello"}
    )
    assert response.status_code == 404
    assert not world.engagement_ap.comments.exists()


def test_comment_is_posted_and_shown(world, client, client_staff):
    client.force_login(client_staff)
    client.post(
        reverse("engagements:comment-create", args=[world.engagement_ap.pk]), {"body": "Kick-off on Monday"}
    )
    assert "Kick-off on Monday" in client.get(world.engagement_ap.get_absolute_url()).content.decode()


def test_reports_are_hidden_from_the_provider_and_drafts_from_the_client(world, client, personas):
    draft = RecommendationReport.objects.create(
        engagement=world.engagement_ap,
        author=personas["consultant_analyst"],
        title="Q3 draft",
        period_start="2026-07-01",
        period_end="2026-09-30",
    )
    ready = RecommendationReport.objects.create(
        engagement=world.engagement_ap,
        author=personas["consultant_analyst"],
        title="Q2 final",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        status=ReportStatus.READY,
    )
    # The client sees a report once a rendered (ready) version of it is published.
    document = report_document(ready)
    ReportVersion.objects.create(
        report=ready,
        number=1,
        status=ReportStatus.READY,
        content=document,
        content_sha256=content_sha256(document),
        file="reports/q2.pdf",
    )
    expectations = {
        "consultant_analyst": {draft: 200, ready: 200},
        "client_staff": {draft: 404, ready: 200},
        "other_client_staff": {draft: 404, ready: 404},
        "provider_manager": {draft: 404, ready: 404},
    }
    for persona, cases in expectations.items():
        client.force_login(personas[persona])
        for report, expected in cases.items():
            assert client.get(report.get_absolute_url()).status_code == expected, f"{persona} on {report}"


def test_candidates_are_visible_to_their_recruiter_only(world, client, personas):
    candidate = Candidate.objects.create(
        full_name="Meera Iyer",
        source=CandidateSource.REFERRAL,
        stage=CandidateStage.SCREENED,
        provider=world.provider_p,
        recruiter=personas["consultant_recruiter"],
    )
    for persona, expected in {
        "consultant_recruiter": 200,
        "client_staff": 404,
        "other_provider_manager": 404,
        "provider_manager": 200,
    }.items():
        client.force_login(personas[persona])
        assert client.get(candidate.get_absolute_url()).status_code == expected, persona


def test_provider_directory_is_whole_for_brokers_and_scoped_for_clients(world, client, personas):
    client.force_login(personas["consultant_broker"])
    body = client.get(reverse("providers:list")).content.decode()
    assert world.provider_p.name in body and world.provider_q.name in body
    client.force_login(personas["other_client_staff"])
    body = client.get(reverse("providers:list")).content.decode()
    assert world.provider_p.name in body
    assert world.provider_q.name not in body
    assert client.get(reverse("providers:detail", args=[world.provider_q.pk])).status_code == 404


def test_delivered_task_notifies_the_sme_in_the_header(
    world, client, provider_manager, client_sme, django_capture_on_commit_callbacks
):
    task = world.task_ap_ready
    with django_capture_on_commit_callbacks(execute=True):
        task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
        task_transition(task=task, to=TaskStatus.DELIVERED, actor=provider_manager, version=task.version)
    client.force_login(client_sme)
    home = client.get(reverse("home")).content.decode()
    assert "1 unread" in home
    assert f"Delivered, awaiting your review: {task.title}" in home
    client.post(reverse("events:notifications-read"))
    assert "unread" not in client.get(reverse("home")).content.decode()


def test_task_page_offers_only_the_moves_the_viewer_may_make(world, client, personas):
    url = reverse("engagements:task-detail", args=[world.task_ap_ready.pk])
    client.force_login(personas["provider_manager"])
    body = client.get(url).content.decode()
    assert 'value="in_progress"' in body
    assert 'value="cancelled"' not in body
    client.force_login(personas["client_staff"])
    body = client.get(url).content.decode()
    assert 'value="in_progress"' not in body
    assert "Nothing your role can change now." in body


def test_a_draft_cancelled_before_release_stays_hidden_from_the_provider(
    world, client, client_admin, provider_manager, django_capture_on_commit_callbacks
):
    from kpo.events.models import Notification

    draft = world.task_ap_draft
    with django_capture_on_commit_callbacks(execute=True):
        task_transition(
            task=draft,
            to=TaskStatus.CANCELLED,
            actor=client_admin,
            version=draft.version,
            note="Raised in error",
        )
    client.force_login(provider_manager)
    assert client.get(reverse("engagements:task-detail", args=[draft.pk])).status_code == 404
    assert not Notification.objects.filter(recipient=provider_manager, title__contains=draft.title).exists()


def test_a_comment_naming_a_task_by_anything_but_its_number_is_a_400(world, client, client_staff):
    client.force_login(client_staff)
    url = reverse("engagements:comment-create", args=[world.engagement_ap.pk])
    for bad in ("abc", "1.5", "٣"):
        response = client.post(url, {"body": "Hello", "task": bad})
        assert response.status_code == 400, bad
    assert not world.engagement_ap.comments.exists()
