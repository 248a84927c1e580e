"""Report API: render answers 202 with a URL to poll, versions, PDF download, tenant isolation, schema."""

from django.urls import reverse

from reports.models import ReportVersion


def test_render_answers_202_with_a_poll_url_and_the_pdf_downloads(
    report, consultant_analyst, client, media, django_capture_on_commit_callbacks
):
    client.force_login(consultant_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:report-render", args=[report.pk]))
    assert response.status_code == 202
    body = response.json()
    assert body["created"] is True
    poll_url = body["poll_url"]
    assert poll_url == f"/api/v1/reports/{report.pk}/versions/1/" and response["Location"] == poll_url
    polled = client.get(poll_url).json()
    assert polled["status"] == "ready" and polled["page_count"] > 0
    assert polled["content_sha256"] == ReportVersion.objects.get().content_sha256
    pdf = client.get(polled["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF-") and len(content) == polled["file_size"]
    assert "attachment" in pdf["Content-Disposition"]
    # Asking for the PDF by its media type works too.
    assert client.get(polled["pdf_url"], HTTP_ACCEPT="application/pdf").status_code == 200


def test_a_second_render_while_one_is_queued_returns_it(report, consultant_analyst, client, media):
    client.force_login(consultant_analyst)
    first = client.post(reverse("api:report-render", args=[report.pk])).json()
    second = client.post(reverse("api:report-render", args=[report.pk]))
    assert second.status_code == 202 and second.json()["created"] is False
    assert second.json()["poll_url"] == first["poll_url"]


def test_versions_list_newest_first(
    rendered, report, consultant_analyst, client, django_capture_on_commit_callbacks
):
    client.force_login(consultant_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("api:report-render", args=[report.pk]))
    versions = client.get(reverse("api:report-versions", args=[report.pk])).json()
    assert [v["number"] for v in versions] == [2, 1]
    assert all(v["pdf_url"] for v in versions)


def test_readers_may_not_render_and_other_tenants_get_404(rendered, client_staff, other_client_staff, client):
    client.force_login(client_staff)
    refused = client.post(reverse("api:report-render", args=[rendered.report_id]))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    client.force_login(other_client_staff)
    for url in (
        reverse("api:report-detail", args=[rendered.report_id]),
        reverse("api:report-versions", args=[rendered.report_id]),
        reverse("api:report-version-detail", args=[rendered.report_id, 1]),
        reverse("api:report-version-pdf", args=[rendered.report_id, 1]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert client.post(reverse("api:report-render", args=[rendered.report_id])).status_code == 404
    assert client.get(reverse("api:report-list")).json()["count"] == 0


def test_an_empty_report_render_is_a_400_with_the_reason(world, consultant_analyst, client):
    from datetime import date

    from reports.services import report_create

    empty = report_create(
        engagement=world.engagement_ap,
        actor=consultant_analyst,
        title="Empty",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
    )
    client.force_login(consultant_analyst)
    response = client.post(reverse("api:report-render", args=[empty.pk]))
    assert response.status_code == 400 and "at least one finding" in response.json()["detail"]


def test_report_list_runs_a_constant_number_of_queries(
    world, report, consultant_analyst, client, django_assert_max_num_queries
):
    from datetime import date

    from reports.services import report_create

    for n in range(6):
        report_create(
            engagement=world.engagement_ap,
            actor=consultant_analyst,
            title=f"R{n}",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
        )
    client.force_login(consultant_analyst)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("api:report-list")).json()["count"] == 7
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:list")).status_code == 200


def test_the_report_operations_are_documented(client, operator):
    client.force_login(operator)
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    render = paths["/api/v1/reports/{id}/render/"]["post"]
    assert "202" in render["responses"] and render.get("summary")
    pdf = paths["/api/v1/reports/{id}/versions/{number}/pdf/"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    assert "/api/v1/reports/{id}/versions/" in paths and "/api/v1/reports/{id}/versions/{number}/" in paths
