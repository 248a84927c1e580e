"""Render jobs: one version per request, idempotent tasks, claims, leases, failures, events and notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engagements.models import EngagementConsultant
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.events.models import DomainEvent, Notification
from reports import services
from reports.choices import ReportStatus
from reports.models import ReportVersion
from reports.rendering import RenderError
from reports.services import render as render_module
from reports.services import report_render_request, report_renders_recover, report_version_render


def test_a_second_request_joins_the_queued_render(report, consultant_analyst, consultant_executive, media):
    first, created = report_render_request(report=report, actor=consultant_analyst)
    second, created_again = report_render_request(report=report, actor=consultant_executive)
    assert created and not created_again
    assert first.pk == second.pk
    assert ReportVersion.objects.filter(report=report).count() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED


def test_running_the_task_twice_makes_one_ready_version(report, consultant_analyst, media):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    assert report_version_render(version_id=version.pk) == "ready"
    version.refresh_from_db()
    first_file, first_size = version.file.name, version.file_size
    assert report_version_render(version_id=version.pk) == "skipped"
    version.refresh_from_db()
    assert (version.file.name, version.file_size, version.attempts) == (first_file, first_size, 1)
    assert ReportVersion.objects.filter(report=report).count() == 1
    assert version.file.storage.exists(version.file.name)
    assert version.file_sha256 and version.page_count > 0 and version.render_ms > 0


def test_a_claimed_render_is_not_done_twice_until_its_lease_expires(
    report, consultant_analyst, media, monkeypatch
):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    now = timezone.now()
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.RENDERING, started_at=now, lease_expires_at=now + timedelta(minutes=4), attempts=1
    )
    calls = []
    monkeypatch.setattr(render_module, "render_pdf", lambda *a, **k: calls.append(1))
    assert report_version_render(version_id=version.pk, now=now + timedelta(minutes=1)) == "skipped"
    assert calls == []
    monkeypatch.undo()
    # The worker died: once the lease has expired, the sweep queues it again and it completes.
    later = now + timedelta(minutes=5)
    assert report_version_render(version_id=version.pk, now=later) == "ready"
    version.refresh_from_db()
    assert version.status == ReportStatus.READY and version.attempts == 2


def test_a_lost_render_is_recovered_by_the_sweep(report, consultant_analyst, media):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    past = timezone.now() - timedelta(hours=1)
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.RENDERING, started_at=past, lease_expires_at=past, attempts=1
    )
    assert report_renders_recover() == 1  # eager Celery: rendered in the call
    version.refresh_from_db()
    assert version.status == ReportStatus.READY


def test_a_render_that_keeps_dying_ends_failed_with_the_reason(report, consultant_analyst, media):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    past = timezone.now() - timedelta(hours=1)
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.RENDERING,
        started_at=past,
        lease_expires_at=past,
        attempts=services.render.MAX_ATTEMPTS,
    )
    assert report_renders_recover() == 0
    version.refresh_from_db()
    report.refresh_from_db()
    assert version.status == ReportStatus.FAILED and "stopped before finishing" in version.error
    assert not version.file
    assert report.status == ReportStatus.FAILED and report.last_error == version.error


def test_a_failure_records_the_reason_and_the_page_shows_it(
    report, consultant_analyst, media, monkeypatch, login
):
    def broken(*args, **kwargs):
        raise RenderError("The PDF could not be produced: font exploded")

    monkeypatch.setattr(render_module, "render_pdf", broken)
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    assert report_version_render(version_id=version.pk) == "failed"
    version.refresh_from_db()
    report.refresh_from_db()
    assert version.status == ReportStatus.FAILED and "font exploded" in version.error
    assert not version.file
    assert report.status == ReportStatus.FAILED and "font exploded" in report.last_error
    page = login(consultant_analyst).get(report.get_absolute_url())
    assert "font exploded" in page.content.decode()
    # A new request after a failure makes a new version.
    retry, created = report_render_request(report=report, actor=consultant_analyst)
    assert created and retry.number == 2


def test_a_new_render_never_overwrites_an_old_version(
    rendered, report, consultant_analyst, django_capture_on_commit_callbacks
):
    services.report_update(report=report, actor=consultant_analyst, title="Peer benchmarking: second edition")
    with django_capture_on_commit_callbacks(execute=True):
        second, created = report_render_request(report=report, actor=consultant_analyst)
    second.refresh_from_db()
    rendered.refresh_from_db()
    assert created and second.number == 2 and second.status == ReportStatus.READY
    assert second.file.name != rendered.file.name
    assert second.content_sha256 != rendered.content_sha256
    assert rendered.file.storage.exists(rendered.file.name) and rendered.content["report"][
        "title"
    ].startswith("Peer benchmarking: delivery")


def test_ready_publishes_the_event_and_notifies_the_right_people(
    rendered, client_staff, client_sme, provider_manager, consultant_analyst, other_client_staff
):
    event = DomainEvent.objects.get(event_type="report.ready")
    assert event.payload["version"] == 1 and event.payload["content_sha256"] == rendered.content_sha256
    assert event.payload["pdf_url"].endswith(f"/reports/{rendered.report_id}/versions/1/pdf/")
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert {client_staff.pk, client_sme.pk, consultant_analyst.pk} <= told
    assert provider_manager.pk not in told and other_client_staff.pk not in told


def test_only_the_engagements_consultants_may_render(report, client_staff, consultant_broker, media):
    for outsider in (client_staff, consultant_broker):
        with pytest.raises(PermissionDenied):
            report_render_request(report=report, actor=outsider)
    assert not ReportVersion.objects.exists()


def test_an_empty_report_is_refused_with_a_message(world, consultant_analyst, media):
    from datetime import date

    empty = services.report_create(
        engagement=world.engagement_ap,
        actor=consultant_analyst,
        title="Empty",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    with pytest.raises(ApplicationError, match="at least one finding"):
        report_render_request(report=empty, actor=consultant_analyst)


def test_a_consultant_detached_from_the_engagement_can_no_longer_edit(report, consultant_analyst):
    EngagementConsultant.objects.filter(user=consultant_analyst).delete()
    with pytest.raises(PermissionDenied):
        services.report_update(report=report, actor=consultant_analyst, title="Nope")


def test_a_recommendation_cannot_rest_on_another_reports_finding(report, world, consultant_analyst):
    from datetime import date

    other = services.report_create(
        engagement=world.engagement_ap,
        actor=consultant_analyst,
        title="Other",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    foreign = services.finding_create(report=other, actor=consultant_analyst, title="x", evidence="y")
    with pytest.raises(ApplicationError):
        services.recommendation_create(
            report=report, actor=consultant_analyst, action="a", rationale="b", supporting_findings=[foreign]
        )


def test_the_redelivery_of_a_killed_render_takes_its_own_lease_over_at_once(
    report, consultant_analyst, media
):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    now = timezone.now()
    lease = {
        "status": ReportStatus.RENDERING,
        "started_at": now,
        "lease_expires_at": now + timedelta(minutes=4),
    }
    ReportVersion.objects.filter(pk=version.pk).update(**lease, attempts=1, claimed_by="task-1")
    # Another message (e.g. the sweep's) waits for the lease; the same message back (its worker died) does not.
    assert report_version_render(version_id=version.pk, now=now, claimant="task-2") == "skipped"
    assert report_version_render(version_id=version.pk, now=now, claimant="task-1") == "ready"
    version.refresh_from_db()
    assert (version.status, version.attempts) == (ReportStatus.READY, 2)


def test_the_redelivery_of_a_render_killed_on_its_last_attempt_fails_it_at_once(
    report, consultant_analyst, media
):
    version, _ = report_render_request(report=report, actor=consultant_analyst)
    now = timezone.now()
    ReportVersion.objects.filter(pk=version.pk).update(
        status=ReportStatus.RENDERING,
        started_at=now,
        lease_expires_at=now + timedelta(minutes=4),
        attempts=render_module.MAX_ATTEMPTS,
        claimed_by="task-1",
    )
    assert report_version_render(version_id=version.pk, now=now, claimant="task-2") == "skipped"
    assert ReportVersion.objects.get(pk=version.pk).status == ReportStatus.RENDERING  # its run may be alive
    assert report_version_render(version_id=version.pk, now=now, claimant="task-1") == "skipped"
    version.refresh_from_db()
    assert version.status == ReportStatus.FAILED
    assert "stopped before finishing" in version.error
