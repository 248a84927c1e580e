"""Who may read, preview, download and edit a report: a status code for every persona.

The report is on engagement_ap (client A + provider P, executive and analyst consultants attached) with
one ready version. Another tenant's report is a 404 (never a 403 that confirms it exists).
"""

from datetime import date

import pytest
from django.urls import reverse

from reports.services import finding_create, report_create

# persona: (read pages & pdf, edit page, render POST)
MATRIX = {
    "client_staff": (200, 403, 403),
    "client_sme": (200, 403, 403),
    "client_admin": (200, 403, 403),
    "other_client_staff": (404, 404, 404),
    "provider_manager": (404, 404, 404),
    "provider_analyst": (404, 404, 404),
    "other_provider_manager": (404, 404, 404),
    "consultant_executive": (200, 200, 302),
    "consultant_analyst": (200, 200, 302),
    "consultant_broker": (404, 404, 404),
    "consultant_recruiter": (404, 404, 404),
    "operator": (200, 403, 403),
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_permission_matrix(persona, personas, rendered, client, django_capture_on_commit_callbacks):
    read, edit, render = MATRIX[persona]
    report_id = rendered.report_id
    client.force_login(personas[persona])
    for name, args in (
        ("reports:detail", [report_id]),
        ("reports:preview", [report_id]),
        ("reports:version-preview", [report_id, 1]),
        ("reports:version-pdf", [report_id, 1]),
        ("reports:status", [report_id]),
    ):
        assert client.get(reverse(name, args=args)).status_code == read, (name, persona)
    assert client.get(reverse("api:report-detail", args=[report_id])).status_code == read
    assert client.get(reverse("api:report-version-pdf", args=[report_id, 1])).status_code == read
    assert client.get(reverse("reports:edit", args=[report_id])).status_code == edit
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reports:render", args=[report_id])).status_code == render


@pytest.mark.parametrize("persona", ["client_staff", "client_sme", "other_client_staff", "provider_manager"])
def test_a_draft_is_invisible_to_the_client_until_a_version_is_ready(persona, personas, report, client):
    client.force_login(personas[persona])
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:preview", args=[report.pk])).status_code == 404
    assert report.title not in client.get(reverse("reports:list")).content.decode()


def test_guessing_another_clients_ids_finds_nothing(world, rendered, other_client_staff, client):
    """Client B's staff tries every id around client A's report and version: all 404, API included."""
    client.force_login(other_client_staff)
    for report_id in range(max(1, rendered.report_id - 2), rendered.report_id + 3):
        for url in (
            reverse("reports:detail", args=[report_id]),
            reverse("reports:preview", args=[report_id]),
            reverse("reports:version-pdf", args=[report_id, 1]),
            reverse("reports:version-preview", args=[report_id, 1]),
            reverse("api:report-versions", args=[report_id]),
            reverse("api:report-version-pdf", args=[report_id, 1]),
        ):
            assert client.get(url).status_code == 404, url


def test_a_finding_of_another_report_cannot_be_edited_through_this_one(
    world, report, consultant_analyst, client
):
    other = report_create(
        engagement=world.engagement_ap,
        actor=consultant_analyst,
        title="Other",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    foreign = finding_create(report=other, actor=consultant_analyst, title="x", evidence="y")
    client.force_login(consultant_analyst)
    url = reverse("reports:finding-edit", args=[report.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_only_attached_analysts_or_executives_may_start_a_report(
    world, consultant_broker, client_staff, client
):
    for outsider in (consultant_broker, client_staff):
        client.force_login(outsider)
        assert client.get(reverse("reports:create")).status_code == 403
        response = client.post(
            reverse("reports:create"),
            {
                "engagement": world.engagement_ap.pk,
                "title": "x",
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
            },
        )
        assert response.status_code == 403


def test_a_reader_sees_only_ready_versions(rendered, report, consultant_analyst, client_staff, client):
    from reports.services import report_render_request

    report_render_request(report=report, actor=consultant_analyst)  # v2 queued (never committed here)
    client.force_login(client_staff)
    versions = client.get(reverse("api:report-versions", args=[report.pk])).json()
    assert [v["number"] for v in versions] == [1]
    assert client.get(reverse("api:report-version-detail", args=[report.pk, 2])).status_code == 404
    client.force_login(consultant_analyst)
    versions = client.get(reverse("api:report-versions", args=[report.pk])).json()
    assert [v["number"] for v in versions] == [2, 1]
