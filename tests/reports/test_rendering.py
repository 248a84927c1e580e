"""The rendered PDF: its text, its page numbers, a stable page count, and a renderer that fetches nothing."""

import io
import re

import pytest
from pypdf import PdfReader

from reports.document import content_sha256, report_document
from reports.rendering import RenderMeta, markdown_html, render_html, render_pdf, static_url_fetcher


def _pdf_text(version) -> tuple[list[str], PdfReader]:
    with version.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages], reader


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_holds_title_recommendations_rationales_kpis_and_page_numbers(rendered):
    pages, reader = _pdf_text(rendered)
    whole = _flat(" ".join(pages))
    assert rendered.page_count == len(reader.pages) >= 6
    assert "Peer benchmarking: delivery review" in whole
    for phrase in (
        "Run a citation checklist before every delivery",
        "a checklist catches citation slips",
        "Double the sampling rate for two months",
        "more samples settle it",
    ):
        assert phrase in whole, phrase
    # KPI figures of the period: June's accuracy (mean of 100 and 90) and rework rate (1 of 2), with working.
    assert "95.0%" in whole
    assert "50.0%" in whole and "1 / 2" in whole
    assert "EUR 600" in whole  # the period's spend, 15 h at 40 EUR/h
    # Running footer with page numbers on the body pages; the cover has none.
    total = len(pages)
    assert f"Page 2 of {total}" in _flat(pages[1])
    assert f"Page {total} of {total}" in _flat(pages[-1])
    assert "Page 1 of" not in _flat(pages[0])
    # The content hash is printed on the last page, and it is the version's.
    assert rendered.content_sha256 in _flat(pages[-1]).replace(" ", "")


def test_page_count_is_stable_and_content_hash_is_of_the_content(report):
    document = report_document(report)
    first = render_pdf(document, RenderMeta(content_sha256=content_sha256(document), version_number=1))
    second = render_pdf(document, RenderMeta(content_sha256=content_sha256(document), version_number=1))
    assert first.page_count == second.page_count
    assert content_sha256(report_document(report)) == content_sha256(document)
    report.title = "Another title"
    assert content_sha256(report_document(report)) != content_sha256(document)


def test_markdown_is_sanitised_no_script_no_remote_resources():
    html = markdown_html(
        "Hello <script>alert(1)</script> **bold**\n\n![tracker](https://evil.example/pixel.png)\n\n"
        '[click](javascript:alert(1)) <img src="https://evil.example/x.png"> <iframe src="https://evil.example"></iframe>'
        '\n\n<a href="https://example.org" onclick="steal()">ok</a>'
    )
    assert "<strong>bold</strong>" in html
    for forbidden in ("<script", "<img", "<iframe", "javascript:", "onclick", "evil.example/pixel"):
        assert forbidden not in html, forbidden
    assert 'href="https://example.org"' in html


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/static/css/pdf.css",
        "http://127.0.0.1:8000/static/css/pdf.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "https://kpo-desk.render.invalid/static/../../etc/passwd",
        "https://kpo-desk.render.invalid/media/reports/1/v1.pdf",
    ],
)
def test_the_renderer_refuses_every_url_but_the_apps_static_files(url):
    with pytest.raises((ValueError, FileNotFoundError)):
        static_url_fetcher(url)


def test_the_renderer_serves_its_own_stylesheet():
    resource = static_url_fetcher("https://kpo-desk.render.invalid/static/css/pdf.css")
    assert resource["mime_type"] == "text/css" and b"@page" in resource["string"]


def test_a_remote_stylesheet_in_the_html_is_not_fetched(report, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the renderer tried to open a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    document = report_document(report)
    document["report"]["executive_summary"] = '<link rel="stylesheet" href="https://evil.example/x.css">hi'
    result = render_pdf(document, RenderMeta())
    assert result.pdf.startswith(b"%PDF-")


def test_preview_html_is_the_print_html(report):
    document = report_document(report)
    html = render_html(document, RenderMeta())
    assert "<script" not in html
    assert "/static/css/pdf.css" in html
    assert "Run a citation checklist before every delivery" in html


def test_the_collector_paused_for_a_render_is_back_on_after_it_even_when_it_fails(monkeypatch):
    import gc

    import weasyprint

    from reports.rendering import html_to_pdf

    assert gc.isenabled()
    pdf, pages = html_to_pdf("<html><body><p>One page</p></body></html>")
    assert pdf.startswith(b"%PDF-") and pages == 1
    assert gc.isenabled()

    def broken(*args, **kwargs):
        assert not gc.isenabled()  # paused while WeasyPrint works
        raise RuntimeError("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    with pytest.raises(RuntimeError):
        html_to_pdf("<html><body><p>x</p></body></html>")
    assert gc.isenabled()
