"""A recommendation report from first draft to the client's hands, in a real browser (issue 6).

The consultant analyst writes a report on an engagement she is attached to (title, period, a Markdown
executive summary, a finding, a recommendation with its rationale), previews it as printed, presses
"Generate PDF" and watches the status reach "Ready" in place (htmx), then downloads the PDF, whose text
holds the title and the recommendation. The client's staff can then read and download it; another
client's staff gets the 404 page for it and for its PDF.
"""

import io
import re
import uuid
from datetime import date, timedelta

import pytest

from ._ui import assert_clean, heading, nav, watch_errors

ENGAGEMENT = "Hartwell & Pryce LLP · Litigation research support"
RENDER_TIMEOUT_MS = 90_000


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    with open(path, "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def written_report(page_as, shoot):
    """The analyst's report, created, rendered and downloaded: (title, action, report URL, PDF URL)."""
    tag = uuid.uuid4().hex[:6]
    title = f"Autumn delivery review {tag}"
    action = f"Move chronology QC to a second reviewer ({tag})"
    page = page_as("consultant.analyst")
    errors = watch_errors(page)

    nav(page, "Reports")
    page.get_by_role("link", name="New report").click()
    assert heading(page) == "New report"
    page.get_by_label("Engagement").select_option(label=ENGAGEMENT)
    page.get_by_label("Title").fill(title)
    end = date.today() - timedelta(days=1)
    page.get_by_label("Period from").fill((end - timedelta(days=90)).isoformat())
    page.get_by_label("Period to").fill(end.isoformat())
    page.get_by_label("Executive summary").fill(
        "Delivery was **reliable** this quarter.\n\n- Response times held\n- Chronology accuracy slipped"
    )
    page.get_by_role("button", name="Create report").click()
    page.wait_for_load_state("domcontentloaded")
    assert heading(page) == title
    assert "Report created" in page.locator(".messages").inner_text()
    report_url = page.url

    page.locator("#add-finding summary").click()
    finding = page.locator("#finding-form")
    finding.get_by_label("Finding").fill("Chronology dates drift from their sources")
    finding.get_by_label("Evidence").fill("Two of **eleven** sampled chronologies had misdated rows.")
    finding.get_by_role("button", name="Add finding").click()
    page.wait_for_load_state("domcontentloaded")
    assert "F1. Chronology dates drift from their sources" in page.locator("#findings").inner_text()

    page.locator("#add-recommendation summary").click()
    rec = page.locator("#recommendation-form")
    rec.get_by_label("Recommended action").fill(action)
    rec.get_by_label("Rationale: how it was reached").fill(
        "Both misdated chronologies were **single-reviewed**; double review halves the error rate."
    )
    rec.get_by_label("Priority").select_option(label="High")
    rec.get_by_label("Owner").fill("Vidya delivery lead")
    rec.get_by_label("Chronology dates drift from their sources").check()
    rec.get_by_role("button", name="Add recommendation").click()
    page.wait_for_load_state("domcontentloaded")
    recs = page.locator("#recommendations").inner_text()
    assert f"R1. {action}" in recs and "High" in recs
    assert page.locator("#report-status").inner_text() == "Draft"
    assert "Not rendered yet." in page.locator("#version-table").inner_text()
    assert_clean(page, errors)

    # The preview is the document as the PDF prints it, Markdown rendered.
    page.locator("#preview-report").click()
    page.wait_for_load_state("domcontentloaded")
    preview = page.locator("body").inner_text()
    assert title in preview and action in preview
    assert page.locator("strong", has_text="reliable").count() >= 1
    shoot(page, "consultant-analyst-report-preview")
    page.goto(report_url)

    # Generate the PDF: the status fragment is swapped in place and updates itself until ready.
    page.evaluate("window.__same_document = true")
    page.locator("#generate-pdf").click()
    page.locator("#report-status", has_text="Ready").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.evaluate("window.__same_document === true"), "the status changed in place"
    download_link = page.locator("#download-latest")
    assert re.fullmatch(r"Download PDF \(version 1\)", download_link.inner_text().strip())
    assert re.search(r"\d+ pages?", page.locator("#latest-ready").inner_text())
    shoot(page, "consultant-analyst-report-ready")

    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    text = _pdf_text(download.value.path())
    assert title in text
    assert action in text or action.replace(" ", "") in text.replace(" ", "")
    assert "single-reviewed" in text
    assert_clean(page, errors)

    page.reload()
    assert "v1 · PDF" in page.locator("#version-table").inner_text()
    return title, action, report_url, download_link.evaluate("a => a.href")


def test_a_report_is_written_rendered_and_read_by_the_client_only(page_as, written_report):
    title, action, report_url, pdf_url = written_report

    client = page_as("client.staff")
    errors = watch_errors(client)
    nav(client, "Reports")
    client.locator("#report-table").get_by_role("link", name=title).click()
    client.wait_for_load_state("domcontentloaded")
    assert heading(client) == title
    body = client.locator("main").inner_text()
    assert action in body
    assert "Delivery was reliable this quarter." in " ".join(body.split())
    assert client.locator("#generate-pdf").count() == 0  # a reader, not an editor
    assert client.locator("#edit-report").count() == 0
    with client.expect_download() as download:
        client.locator("#download-latest").click()
    assert title in _pdf_text(download.value.path())
    assert_clean(client, errors)

    other = page_as("client2.staff")
    for url in (report_url, pdf_url, report_url.rstrip("/") + "/preview/"):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
    other.goto("/reports/")
    assert title not in other.locator("main").inner_text()

    provider = page_as("provider.manager")  # reports are written for the client, never the provider
    response = provider.goto(report_url)
    assert response is not None and response.status == 404
