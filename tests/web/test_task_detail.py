"""The task page: deliverables (upload checked by content and size, download to those who may see the task),
the SME's review, assignment and priority, and the SLA clock drawn across the history."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagements.choices import DefectType, ReviewOutcome, TaskStatus
from engagements.models import Deliverable, QualityReview, ReviewDefect
from engagements.services import task_transition
from sla.choices import Priority
from sla.services import task_clocks_recompute
from tests.factories import make_task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def _page(client, user, task):
    client.force_login(user)
    response = client.get(reverse("engagements:task-detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def started(world, provider_manager):
    """task_ap_ready, started by the provider's manager (deliverables may be added)."""
    task = world.task_ap_ready
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    return task


@pytest.fixture
def delivered(started, provider_manager):
    task_transition(task=started, to=TaskStatus.DELIVERED, actor=provider_manager, version=started.version)
    return started


def _upload(client, task, **data):
    return client.post(reverse("engagements:deliverable-upload", args=[task.pk]), data)


# --- deliverables ---------------------------------------------------------------------------------


def test_upload_a_pdf_then_download_it_as_an_attachment(started, client, provider_manager, _media):
    client.force_login(provider_manager)
    response = _upload(client, started, file=SimpleUploadedFile("Q3 summary.pdf", PDF, "application/pdf"))
    assert response.status_code == 302
    deliverable = Deliverable.objects.get(task=started)
    assert deliverable.original_name == "Q3 summary.pdf" and deliverable.content_type == "application/pdf"
    assert len(_stored_files(_media)) == 1
    page = _page(client, provider_manager, started)
    url = reverse("engagements:deliverable-download", args=[started.pk, deliverable.pk])
    assert url in page and "Q3 summary.pdf" in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Q3 summary.pdf" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def test_a_link_can_be_delivered_instead_of_a_file(started, client, provider_manager):
    client.force_login(provider_manager)
    response = _upload(client, started, url="https://share.example/q3")
    assert response.status_code == 302
    assert Deliverable.objects.get(task=started).url == "https://share.example/q3"


def test_too_big_a_file_is_a_form_error_and_nothing_is_written(
    started, client, provider_manager, settings, _media
):
    settings.KPO_MAX_UPLOAD_BYTES = 50
    client.force_login(provider_manager)
    response = _upload(client, started, file=SimpleUploadedFile("big.pdf", PDF, "application/pdf"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "the largest accepted is 50" in body
    assert 'id="file-errors"' in body
    assert not Deliverable.objects.exists()
    assert _stored_files(_media) == []


def test_a_file_of_the_wrong_type_is_refused_by_its_content(started, client, provider_manager, _media):
    client.force_login(provider_manager)
    executable = SimpleUploadedFile(
        "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff", "application/pdf"
    )
    response = _upload(client, started, file=executable)
    assert response.status_code == 400
    assert "This file type is not accepted" in response.content.decode()
    assert not Deliverable.objects.exists()
    assert _stored_files(_media) == []


def test_neither_file_nor_link_is_a_form_error(started, client, provider_manager):
    client.force_login(provider_manager)
    response = _upload(client, started)
    assert response.status_code == 400
    assert "Choose a file or enter a link." in response.content.decode()


def test_the_client_cannot_upload_and_sees_no_upload_form(started, client, client_staff):
    assert "deliverable-upload" not in _page(client, client_staff, started)
    assert 'enctype="multipart/form-data"' not in _page(client, client_staff, started)
    response = _upload(client, started, file=SimpleUploadedFile("x.pdf", PDF))
    assert response.status_code == 403
    assert not Deliverable.objects.exists()


def test_upload_to_another_tenants_task_is_a_404(started, client, other_provider_manager, _media):
    client.force_login(other_provider_manager)
    assert _upload(client, started, file=SimpleUploadedFile("x.pdf", PDF)).status_code == 404
    assert not Deliverable.objects.exists() and _stored_files(_media) == []


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("provider_manager", 200),
        ("client_staff", 200),
        ("consultant_executive", 200),
        ("provider_analyst", 200),  # the task is assigned to them
        ("other_provider_manager", 404),
        ("other_client_staff", 404),
        ("consultant_broker", 404),
    ],
)
def test_download_is_only_for_those_who_may_see_the_task(persona, expected, started, client, personas):
    client.force_login(personas["provider_manager"])
    _upload(client, started, file=SimpleUploadedFile("a.pdf", PDF))
    deliverable = Deliverable.objects.get(task=started)
    client.force_login(personas[persona])
    response = client.get(reverse("engagements:deliverable-download", args=[started.pk, deliverable.pk]))
    assert response.status_code == expected


def test_download_through_another_task_id_is_a_404(started, world, client, provider_manager):
    client.force_login(provider_manager)
    _upload(client, started, file=SimpleUploadedFile("a.pdf", PDF))
    deliverable = Deliverable.objects.get(task=started)
    wrong = reverse("engagements:deliverable-download", args=[world.task_bp.pk, deliverable.pk])
    assert client.get(wrong).status_code == 404


# --- the SME's review -----------------------------------------------------------------------------


def _review(client, task, **data):
    payload = {
        "accuracy_score": "97.5",
        "outcome": ReviewOutcome.ACCEPTED,
        "version": task.version,
        "findings": "",
    }
    payload.update(data)
    return client.post(reverse("engagements:task-review", args=[task.pk]), payload)


def test_sme_sees_the_review_form_on_a_delivered_task_only(started, client, client_sme, provider_manager):
    assert "Review this delivery" not in _page(client, client_sme, started)
    task_transition(task=started, to=TaskStatus.DELIVERED, actor=provider_manager, version=started.version)
    assert "Review this delivery" in _page(client, client_sme, started)
    assert "Review this delivery" not in _page(client, provider_manager, started)


def test_the_review_form_replaces_the_accept_and_rework_buttons(delivered, client, client_sme):
    body = _page(client, client_sme, delivered)
    assert "Review this delivery" in body
    # Accepting or asking for rework goes through the review (score, findings), not a bare status button.
    assert 'name="to" value="accepted"' not in body
    assert 'name="to" value="rework_requested"' not in body


def test_sme_accepts_a_delivery(delivered, client, client_sme):
    client.force_login(client_sme)
    response = _review(client, delivered, defect_formatting="1", findings="Tidy tables.")
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.status == TaskStatus.ACCEPTED
    review = QualityReview.objects.get(task=delivered)
    assert review.outcome == ReviewOutcome.ACCEPTED and str(review.accuracy_score) == "97.50"
    assert list(review.defects.values_list("defect_type", "count")) == [(DefectType.FORMATTING, 1)]
    assert delivered.events.filter(to_status=TaskStatus.ACCEPTED, actor=client_sme).exists()


def test_sme_requests_rework_with_defects(delivered, client, client_sme):
    client.force_login(client_sme)
    response = _review(
        client,
        delivered,
        accuracy_score="71",
        outcome=ReviewOutcome.REWORK,
        defect_factual_error="2",
        defect_missed_source="1",
        findings="Two figures wrong; one filing missed.",
    )
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.status == TaskStatus.REWORK_REQUESTED
    defects = dict(ReviewDefect.objects.filter(review__task=delivered).values_list("defect_type", "count"))
    assert defects == {DefectType.FACTUAL_ERROR: 2, DefectType.MISSED_SOURCE: 1}


def test_rework_without_findings_or_defects_is_a_form_error(delivered, client, client_sme):
    client.force_login(client_sme)
    response = _review(client, delivered, outcome=ReviewOutcome.REWORK)
    assert response.status_code == 400
    assert "Say what needs rework" in response.content.decode()
    delivered.refresh_from_db()
    assert delivered.status == TaskStatus.DELIVERED and not QualityReview.objects.exists()


def test_out_of_range_score_is_a_form_error(delivered, client, client_sme):
    client.force_login(client_sme)
    response = _review(client, delivered, accuracy_score="150")
    assert response.status_code == 400
    assert "less than or equal to 100" in response.content.decode()
    assert not QualityReview.objects.exists()


def test_provider_cannot_review_its_own_delivery(delivered, client, provider_manager):
    client.force_login(provider_manager)
    response = _review(client, delivered)
    assert response.status_code == 403
    assert "Your role may not" in response.content.decode()
    delivered.refresh_from_db()
    assert delivered.status == TaskStatus.DELIVERED and not QualityReview.objects.exists()


def test_stale_review_is_refused_and_the_form_is_kept(delivered, client, client_sme, personas):
    seen = delivered.version
    task_transition(
        task=delivered, to=TaskStatus.REWORK_REQUESTED, actor=personas["client_admin"], version=seen
    )
    task_transition(
        task=delivered, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=delivered.version
    )
    task_transition(
        task=delivered, to=TaskStatus.DELIVERED, actor=personas["operator"], version=delivered.version
    )
    client.force_login(client_sme)
    response = _review(client, delivered, version=seen, findings="Looks fine")
    assert response.status_code == 412
    body = response.content.decode()
    assert "This task changed since you loaded it" in body and "Looks fine" in body
    assert not QualityReview.objects.exists()


# --- assignment and priority ----------------------------------------------------------------------


def test_provider_manager_reassigns_a_task(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-assign", args=[task.pk]),
        {"assignee": world.other_team_member.pk, "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == world.other_team_member
    assert task.events.filter(kind="assignment", to_value=world.other_team_member.full_name).exists()


def test_assigning_another_providers_member_is_a_form_error(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-assign", args=[task.pk]),
        {"assignee": world.provider_q_member.pk, "version": task.version},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == world.analyst_member


def test_client_cannot_assign_and_sees_no_assignment_form(world, client, client_staff):
    task = world.task_ap_ready
    assert "task-assign" not in _page(client, client_staff, task) and "/assign/" not in _page(
        client, client_staff, task
    )
    response = client.post(
        reverse("engagements:task-assign", args=[task.pk]),
        {"assignee": world.other_team_member.pk, "version": task.version},
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.assignee == world.analyst_member


def test_stale_assignment_is_refused(world, client, provider_manager, personas):
    task = world.task_ap_ready
    seen = task.version
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=seen)
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-assign", args=[task.pk]),
        {"assignee": world.other_team_member.pk, "version": seen},
    )
    assert response.status_code == 412
    assert "This task changed since you loaded it" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == world.analyst_member


def test_client_sets_the_priority_and_the_provider_may_not(world, client, client_staff, provider_manager):
    task = world.task_ap_other
    assert "/priority/" not in _page(client, provider_manager, task)
    response = client.post(
        reverse("engagements:task-priority", args=[task.pk]),
        {"priority": Priority.P1, "version": task.version},
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.priority == Priority.P3
    assert "/priority/" in _page(client, client_staff, task)
    response = client.post(
        reverse("engagements:task-priority", args=[task.pk]),
        {"priority": Priority.P1, "version": task.version, "note": "Board meeting moved"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.priority == Priority.P1


def test_writes_on_another_tenants_task_are_404s(world, client, other_client_staff):
    task = world.task_ap_ready
    client.force_login(other_client_staff)
    for name, data in (
        ("engagements:task-priority", {"priority": Priority.P1, "version": task.version}),
        ("engagements:task-assign", {"assignee": "", "version": task.version}),
        ("engagements:task-review", {"accuracy_score": "90", "outcome": "accepted", "version": task.version}),
    ):
        assert client.post(reverse(name, args=[task.pk]), data).status_code == 404, name
    task.refresh_from_db()
    assert task.priority == Priority.P2 and task.assignee == world.analyst_member


# --- the clock drawn across the history ------------------------------------------------------------


def test_timeline_svg_draws_running_and_paused_segments(world, client, client_staff, provider_manager):
    start = timezone.now() - timedelta(days=6)
    task = make_task(engagement=world.engagement_ap, title="Timeline task", actor=client_staff, at=start)
    for to, actor, offset in (
        (TaskStatus.READY, client_staff, timedelta(hours=1)),
        (TaskStatus.IN_PROGRESS, provider_manager, timedelta(hours=3)),
        (TaskStatus.ON_HOLD, provider_manager, timedelta(days=1)),
        (TaskStatus.IN_PROGRESS, provider_manager, timedelta(days=3)),
    ):
        task_transition(task=task, to=to, actor=actor, version=task.version, at=start + offset)
    task_clocks_recompute(task_id=task.pk)
    body = _page(client, provider_manager, task)
    svg = body.split("<svg viewBox", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "SLA clocks across the task" in svg
    assert "clock-chart__row--response" in svg and "clock-chart__row--resolution" in svg
    assert svg.count("clock-chart__seg--running") >= 3  # response, and resolution before and after the pause
    assert svg.count("clock-chart__seg--paused") == 1
    assert "clock-chart__tick" in svg
    # The description states the figures in words for screen readers.
    assert "of business time used" in svg
    # Every colour the bars can take is explained in the legend (the response clock is met: green).
    legend = body.split('class="clock-chart__legend', 1)[1].split("</figcaption>", 1)[0]
    assert 'fill="#22a455"' in svg
    for swatch in ("running", "at_risk", "breached", "met", "paused"):
        assert f"swatch--{swatch}" in legend


def test_task_without_clocks_has_no_chart(world, client, client_staff):
    body = _page(client, client_staff, world.task_ap_draft)
    assert "<svg viewBox" not in body
    assert "No SLA clock runs for this task" in body
