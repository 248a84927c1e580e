"""The consultant's flow on the pages: create, add findings and recommendations, bad input, live status."""

from django.urls import reverse

from reports.models import Finding, Recommendation, RecommendationReport


def test_a_consultant_writes_a_report_end_to_end(
    world, history, consultant_analyst, client, media, django_capture_on_commit_callbacks
):
    client.force_login(consultant_analyst)
    assert client.get(reverse("reports:create")).status_code == 200
    response = client.post(
        reverse("reports:create"),
        {
            "engagement": world.engagement_ap.pk,
            "title": "June review",
            "period_start": "2026-06-01",
            "period_end": "2026-06-30",
            "executive_summary": "All *good*.",
            "include_sla_appendix": "on",
        },
    )
    report = RecommendationReport.objects.get(title="June review")
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.include_sla_appendix and not report.include_cost_appendix
    client.post(
        reverse("reports:finding-add", args=[report.pk]),
        {"finding-title": "Slow starts", "finding-evidence": "Two tasks", "finding-figure_kind": "volume"},
    )
    finding = Finding.objects.get(report=report)
    assert finding.figure == {"kind": "volume"}
    client.post(
        reverse("reports:recommendation-add", args=[report.pk]),
        {
            "rec-action": "Start within the hour",
            "rec-rationale": "Because F1.",
            "rec-priority": "high",
            "rec-supporting_findings": [finding.pk],
        },
    )
    recommendation = Recommendation.objects.get(report=report)
    assert list(recommendation.supporting_findings.all()) == [finding]
    page = client.get(report.get_absolute_url()).content.decode()
    for element_id in (
        'id="generate-pdf"',
        'id="finding-form"',
        'id="recommendation-form"',
        'id="preview-report"',
    ):
        assert element_id in page
    preview = client.get(reverse("reports:preview", args=[report.pk])).content.decode()
    assert "Start within the hour" in preview and "<script" not in preview
    with django_capture_on_commit_callbacks(execute=True):
        rendered = client.post(reverse("reports:render", args=[report.pk]), HTTP_HX_REQUEST="true")
    assert rendered.status_code == 202
    status = client.get(
        reverse("reports:status", args=[report.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="render-status"
    )
    assert status.status_code == 286  # done: htmx stops polling
    assert 'id="download-latest"' in status.content.decode()


def test_a_queued_render_keeps_the_status_polling(report, consultant_analyst, client, media):
    client.force_login(consultant_analyst)
    client.post(reverse("reports:render", args=[report.pk]))  # queued: never committed in this test
    status = client.get(
        reverse("reports:status", args=[report.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="render-status"
    )
    body = status.content.decode()
    assert status.status_code == 200 and 'hx-trigger="every 2s"' in body and "Queued" in body


def test_bad_input_is_a_form_error_and_writes_nothing(world, report, consultant_analyst, client):
    client.force_login(consultant_analyst)
    response = client.post(
        reverse("reports:create"),
        {
            "engagement": world.engagement_ap.pk,
            "title": "Backwards",
            "period_start": "2026-06-30",
            "period_end": "2026-06-01",
        },
    )
    assert response.status_code == 400
    assert "The period must end on or after its start." in response.content.decode()
    assert not RecommendationReport.objects.filter(title="Backwards").exists()
    response = client.post(
        reverse("reports:finding-add", args=[report.pk]), {"finding-title": "", "finding-evidence": ""}
    )
    assert response.status_code == 400 and report.findings.count() == 2
    response = client.post(
        reverse("reports:finding-add", args=[report.pk]),
        {"finding-title": "x", "finding-evidence": "y", "finding-figure_kind": "bogus"},
    )
    assert response.status_code == 400 and report.findings.count() == 2
    response = client.post(
        reverse("reports:branding", args=[report.pk]), {"accent_colour": "red; } body { x"}
    )
    assert response.status_code == 400 and "#0b3d6b" in response.content.decode()


def test_the_brand_stylesheet_only_takes_a_hex_colour(client, consultant_analyst):
    client.force_login(consultant_analyst)
    css = client.get(reverse("reports:brand-css"), {"accent": "}</style><script>"}).content.decode()
    assert "<script" not in css and "--accent: #0b3d6b" in css
    css = client.get(reverse("reports:brand-css"), {"accent": "1D5C4D"}).content.decode()
    assert "--accent: #1d5c4d" in css
