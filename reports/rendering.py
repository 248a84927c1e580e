"""Report document -> HTML -> PDF bytes. No database access: everything comes from the document.

The same HTML serves the browser preview and the PDF (templates/pdf/report.html with
static/css/pdf.css). WeasyPrint fetches nothing but the app's own static files: `static_url_fetcher`
refuses every other URL (remote hosts, file://, data:), and user text is Markdown sanitised by nh3
with no <img>, so a report cannot make the renderer reach out anywhere.
"""

from __future__ import annotations

import base64
import ctypes
import gc
import mimetypes
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urljoin, urlsplit

import markdown
import nh3
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kpo.core.charts import Series, bar_chart_svg, histogram_svg, kpi_chart_svg

from .choices import FigureKind, RecommendationPriority

DEFAULT_ACCENT = "#0b3d6b"
# The origin WeasyPrint resolves relative URLs against; only <origin><STATIC_URL>... is served.
RENDER_ORIGIN = "https://kpo-desk.render.invalid"

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "del", "sup", "sub", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "hr", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


class RenderError(Exception):
    """The document could not be turned into a PDF; the message is shown to the user."""


def markdown_html(text: str) -> SafeString:
    """Markdown to sanitised HTML: no script, no style, no images or other remote resources."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    # Headings inside a finding sit below the report's own h1/h2: shift # and ## down to h3.
    html = (
        html.replace("<h1>", "<h3>")
        .replace("</h1>", "</h3>")
        .replace("<h2>", "<h3>")
        .replace("</h2>", "</h3>")
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


# --- formatting -----------------------------------------------------------------------------------


def percent(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{places}f}%"


def money(amount: str | None, currency: str) -> str:
    if amount is None:
        return "—"
    return f"{currency} {float(amount):,.0f}"


def _date(iso: str | None) -> str:
    return date_format(date.fromisoformat(iso), "DATE_FORMAT") if iso else "—"


def _month_label(label: str) -> str:
    year, month = label.split("-")
    return date(int(year), int(month), 1).strftime("%b %y")


# --- charts from the document ---------------------------------------------------------------------

_SVG_TITLE = re.compile(r'<title id="[^"]*-title">(.*?)</title>', re.S)
_SVG_DESC = re.compile(r'<desc id="[^"]*-desc">(.*?)</desc>', re.S)


def chart_image(svg: str) -> SafeString:
    """A chart as an <img> of its SVG (a data: URI), alt text from its <title> and <desc>.

    WeasyPrint draws an SVG image with its own light SVG renderer and caches it by URI, instead of
    parsing, styling and laying out every circle and label as part of the HTML: several times faster
    on a report with a chart per section. The browser preview shows the same image.
    """
    if not svg:
        return mark_safe("")
    title = _SVG_TITLE.search(svg)
    desc = _SVG_DESC.search(svg)
    # Both are already HTML-escaped by kpo.core.charts, so they are safe inside the attribute.
    alt = ". ".join(part.group(1) for part in (title, desc) if part)
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    dimensions = f' width="{size.group(1)}" height="{size.group(2)}"' if size else ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return mark_safe(  # noqa: S308 - alt is escaped text, data is base64
        f'<img class="chart" src="{SVG_DATA_PREFIX}{data}" alt="{alt}"{dimensions}>'
    )


def _kpi(document: dict, kpi: str) -> dict | None:
    return next((k for k in document["data"]["kpis"] if k["kpi"] == kpi), None)


def kpi_chart(
    document: dict, kpi: str, *, width: int = 640, height: int = 220, place: str = ""
) -> SafeString:
    entry = _kpi(document, kpi)
    if entry is None:
        return mark_safe("")
    points = [
        (_month_label(m["month"]), None if m["value"] is None else round(m["value"] * 100, 2))
        for m in entry["months"]
    ]
    target = None if entry["target"] is None else entry["target"] * 100
    values = [v for _l, v in points if v is not None] + ([target] if target is not None else [])
    low = 0.0 if entry["lower_is_better"] else max(0.0, min(values + [100.0]) // 10 * 10 - 10)
    high = 100.0 if not entry["lower_is_better"] else max(values + [10.0]) * 1.25
    return kpi_chart_svg(
        [Series(entry["label"], points)],
        target=target,
        y_range=(low, max(high, low + 10)),
        width=width,
        height=height,
        title=_("%(kpi)s by month") % {"kpi": entry["label"]},
        unit="%",
        higher_is_better=not entry["lower_is_better"],
        chart_id=f"chart-{kpi}{place}",
    )


def volume_chart(document: dict, *, width: int = 640, height: int = 220, place: str = "") -> SafeString:
    rows = document["data"]["volume"]
    return kpi_chart_svg(
        [
            Series(_("Released"), [(_month_label(r["month"]), float(r["released"])) for r in rows]),
            Series(_("Delivered"), [(_month_label(r["month"]), float(r["delivered"])) for r in rows]),
            Series(_("Rework requested"), [(_month_label(r["month"]), float(r["rework"])) for r in rows]),
        ],
        width=width,
        height=height,
        title=_("Tasks released, delivered and sent back by month"),
        value_format="{:.0f}",
        chart_id=f"chart-volume{place}",
    )


def turnaround_chart(document: dict, *, width: int = 640, height: int = 200, place: str = "") -> SafeString:
    turnaround = document["data"]["turnaround"]
    return histogram_svg(
        turnaround["hours"],
        edges=turnaround["edges"],
        width=width,
        height=height,
        unit="h",
        title=_("Turnaround of delivered tasks (business hours)"),
        description=_("Number of tasks by business hours from release to first delivery."),
        chart_id=f"chart-turnaround{place}",
    )


def accuracy_chart(document: dict, *, width: int = 640, height: int = 200, place: str = "") -> SafeString:
    return kpi_chart(document, "accuracy", width=width, height=height, place=place)


def spend_chart(document: dict, *, width: int = 640, height: int = 200, place: str = "") -> SafeString:
    cost = document["data"]["cost"]
    months = document["data"]["months"]
    even_share = float(cost["budget"]) / max(len(months), 1) if float(cost["budget"]) else None
    return bar_chart_svg(
        [(_month_label(m["month"]), float(m["spend"])) for m in cost["months"]],
        width=width,
        height=height,
        title=_("Spend by month (%(currency)s)") % {"currency": cost["currency"]},
        target=even_share,
        target_label=_("Budget spread evenly"),
        value_format="{:,.0f}",
        chart_id=f"chart-spend{place}",
    )


FIGURES = {
    FigureKind.RESPONSE_COMPLIANCE: lambda d, place: kpi_chart(d, "response_compliance", place=place),
    FigureKind.RESOLUTION_COMPLIANCE: lambda d, place: kpi_chart(d, "resolution_compliance", place=place),
    FigureKind.ACCURACY: lambda d, place: kpi_chart(d, "accuracy", place=place),
    FigureKind.REWORK_RATE: lambda d, place: kpi_chart(d, "rework_rate", place=place),
    FigureKind.VOLUME: lambda d, place: volume_chart(d, place=place),
    FigureKind.TURNAROUND: lambda d, place: turnaround_chart(d, place=place),
    FigureKind.SPEND: lambda d, place: spend_chart(d, place=place),
}


# --- the template context -------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderMeta:
    """What a render prints besides the content: not part of the content hash."""

    content_sha256: str = ""
    version_number: int | None = None
    requested_at: str = ""
    requested_by: str = ""
    preview: bool = False


def report_context(document: dict, meta: RenderMeta) -> dict:
    """Everything templates/pdf/report.html prints, formatted (Markdown rendered, charts drawn)."""
    report, engagement, data = document["report"], document["engagement"], document["data"]
    appendix = report["appendix"]
    priorities = dict(RecommendationPriority.choices)
    findings = [
        {
            **finding,
            "evidence_html": markdown_html(finding["evidence"]),
            "figure_svg": chart_image(FIGURES[finding["figure"]](document, f"-f{finding['number']}"))
            if finding["figure"] in FIGURES
            else "",
        }
        for finding in document["findings"]
    ]
    recommendations = [
        {
            **rec,
            "rationale_html": markdown_html(rec["rationale"]),
            "priority_label": priorities.get(rec["priority"], rec["priority"]),
            "due_display": _date(rec["due_date"]),
        }
        for rec in document["recommendations"]
    ]
    kpi_rows = []
    for entry in data["kpis"]:
        kpi_rows.append(
            {
                "label": entry["label"],
                "target": percent(entry["target"]),
                "direction": _("at most") if entry["lower_is_better"] else _("at least"),
                "months": [
                    {
                        "month": _month_label(m["month"]),
                        "value": percent(m["value"]),
                        "working": f"{m['numerator']:g} / {m['denominator']}" if m["denominator"] else "",
                        "missed": m["value"] is not None
                        and entry["target"] is not None
                        and (
                            m["value"] > entry["target"]
                            if entry["lower_is_better"]
                            else m["value"] < entry["target"]
                        ),
                    }
                    for m in entry["months"]
                ],
                "chart": chart_image(
                    kpi_chart(document, entry["kpi"], width=340, height=190, place="-appendix")
                ),
            }
        )
    cost = data["cost"]
    sections = [
        ("summary", _("Executive summary")),
        ("findings", _("Findings")),
        ("recommendations", _("Recommendations")),
    ]
    appendices = []
    if appendix["sla"]:
        appendices.append(("appendix-sla", _("SLA performance")))
    if appendix["volume"]:
        appendices.append(("appendix-volume", _("Task volumes and turnaround")))
    if appendix["quality"]:
        appendices.append(("appendix-quality", _("Quality review results")))
    if appendix["cost"]:
        appendices.append(("appendix-cost", _("Spend, budget and savings")))
    letters = "ABCDEFGH"
    return {
        "doc": document,
        "brand_css_url": brand_css_url(document["branding"]["accent"]),
        "meta": meta,
        "report": report,
        "engagement": engagement,
        "branding": document["branding"],
        "period_display": f"{_date(report['period_start'])} – {_date(report['period_end'])}",
        "findings": findings,
        "recommendations": recommendations,
        "summary_html": markdown_html(report["executive_summary"]),
        "toc": [(anchor, title, None) for anchor, title in sections]
        + [(anchor, title, letters[i]) for i, (anchor, title) in enumerate(appendices)],
        "letters": {
            anchor.removeprefix("appendix-"): letters[i] for i, (anchor, _title) in enumerate(appendices)
        },
        "priority_counts": [
            (label, sum(1 for r in recommendations if r["priority"] == value))
            for value, label in RecommendationPriority.choices
        ],
        "kpi_rows": kpi_rows,
        # The KPI table runs down the months (one row a month), so a long period spans pages cleanly.
        "kpi_months": [
            {"label": _month_label(label), "cells": [row["months"][index] for row in kpi_rows]}
            for index, label in enumerate(data["months"])
        ],
        "months": [_month_label(m) for m in data["months"]],
        "volume_rows": [{**row, "month": _month_label(row["month"])} for row in data["volume"]],
        "volume_chart": chart_image(volume_chart(document)),
        "turnaround_chart": chart_image(turnaround_chart(document)),
        "turnaround_rows": data["turnaround"]["by_priority"],
        "quality_rows": [{**row, "month": _month_label(row["month"])} for row in data["quality"]["months"]],
        "quality_total": sum(row["reviews"] for row in data["quality"]["months"]),
        "defects": data["quality"]["defects"],
        "accuracy_chart": chart_image(accuracy_chart(document)),
        "cost_rows": [
            {
                "month": _month_label(row["month"]),
                "hours": f"{float(row['hours']):,.1f}",
                "spend": money(row["spend"], cost["currency"]),
            }
            for row in cost["months"]
        ],
        "cost": {
            **cost,
            "period_hours_display": f"{float(cost['period_hours']):,.1f}",
            "period_spend_display": money(cost["period_spend"], cost["currency"]),
            "budget_display": money(cost["budget"], cost["currency"]),
            "spend_to_date_display": money(cost["spend_to_date"], cost["currency"]),
            "budget_used_display": percent(cost["budget_used"]),
            "in_house_rate_display": money(cost["in_house_rate"], cost["in_house_currency"]),
            "in_house_cost_display": money(cost["in_house_cost"], cost["in_house_currency"]),
            "savings_display": money(cost["savings"], cost["in_house_currency"]),
            "savings_share_display": percent(cost["savings_share"]),
        },
        "spend_chart": chart_image(spend_chart(document)),
    }


# Whitespace before a block-level tag never renders; dropping it spares WeasyPrint thousands of
# anonymous text boxes (about a tenth of a long report's render time). Inline tags are left alone.
_BLOCK_GAP = re.compile(
    r">\s+<(?=/?(?:html|head|body|meta|title|link|section|nav|article|figure|div|p|h[1-6]|ul|ol|li|dl|dt|dd"
    r"|table|thead|tbody|tfoot|tr|td|th|blockquote|pre|hr)[\s>/])"
)


def render_html(document: dict, meta: RenderMeta | None = None) -> str:
    """The report's HTML: what the browser preview shows and WeasyPrint prints."""
    html = render_to_string("pdf/report.html", report_context(document, meta or RenderMeta()))
    return _BLOCK_GAP.sub("><", html)


# --- PDF ------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _static_file(relative: str) -> tuple[bytes, str]:
    path = finders.find(relative) or (Path(settings.STATIC_ROOT) / relative)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(relative)
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), mime_type


SVG_DATA_PREFIX = "data:image/svg+xml;base64,"
HEX_COLOUR = re.compile(r"[0-9a-fA-F]{6}")


def brand_css(accent: str) -> str:
    """The branding stylesheet: the accent colour and a pale tint of it (10% on white)."""
    accent = accent.lstrip("#")
    if not HEX_COLOUR.fullmatch(accent):
        accent = DEFAULT_ACCENT.lstrip("#")
    red, green, blue = (int(accent[i : i + 2], 16) for i in (0, 2, 4))
    tint = "".join(f"{round(255 - (255 - c) * 0.1):02x}" for c in (red, green, blue))
    return f":root {{ --accent: #{accent.lower()}; --accent-soft: #{tint}; }}\n"


def brand_css_url(accent: str) -> str:
    return reverse("reports:brand-css") + "?" + urlencode({"accent": accent.lstrip("#")})


def static_url_fetcher(url: str, timeout: int = 10, ssl_context=None) -> dict:
    """Serve the app's static files (and the branding stylesheet) to WeasyPrint; refuse every other URL."""
    prefix = RENDER_ORIGIN + settings.STATIC_URL
    if url.startswith(SVG_DATA_PREFIX):
        # Our own charts, inlined as data: URIs (nothing is fetched).
        return {
            "string": base64.b64decode(url[len(SVG_DATA_PREFIX) :]),
            "mime_type": "image/svg+xml",
            "redirected_url": url,
        }
    parts = urlsplit(url)
    if url.startswith(RENDER_ORIGIN + "/") and parts.path == reverse("reports:brand-css"):
        accent = parse_qs(parts.query).get("accent", [DEFAULT_ACCENT])[0]
        return {"string": brand_css(accent).encode(), "mime_type": "text/css", "redirected_url": url}
    if not url.startswith(prefix):
        raise ValueError(
            f"Refused to fetch {urlsplit(url).scheme}:… (only the app's static files are allowed)"
        )
    relative = unquote(urlsplit(url).path[len(settings.STATIC_URL) :])
    if not relative or ".." in Path(relative).parts:
        raise ValueError("Refused a static path outside the static files")
    content, mime_type = _static_file(relative)
    return {"string": content, "mime_type": mime_type, "redirected_url": url}


class BoundedCache(dict):
    """WeasyPrint's image cache, shared by every render of the process, keeping the newest entries."""

    def __init__(self, maxsize: int):
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.maxsize:
            del self[next(iter(self))]


# Decoded images (our charts, keyed by their data: URI): the same chart in a re-render is drawn once.
_IMAGE_CACHE = BoundedCache(maxsize=256)


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    render_ms: int
    html: str


@lru_cache(maxsize=1)
def _fetcher():
    """A WeasyPrint URL fetcher that answers from static_url_fetcher and opens no connection."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            resource = static_url_fetcher(url)
            return URLFetcherResponse(
                resource["redirected_url"],
                body=resource["string"],
                headers={"Content-Type": resource["mime_type"]},
            )

    return StaticOnlyFetcher(allowed_protocols=("https",))


@lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process: a new one per render costs font loading every time and
    leaks native memory (RSS grew ~25% over 200 renders); shared, it stays flat."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, to hand freed render memory back to the system (None elsewhere)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


# The report's <link rel="stylesheet" href="..."> tags, as render_html writes them.
_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


@lru_cache(maxsize=32)
def _parsed_stylesheet(content: bytes):
    """A stylesheet parsed once per process and reused by every render. Parsing pdf.css and the
    brand sheet again for each document cost ~8% of a 34-page render; keyed by content, so an
    edited file is parsed afresh."""
    import weasyprint

    return weasyprint.CSS(
        string=content.decode(),
        base_url=RENDER_ORIGIN + "/",
        url_fetcher=_fetcher(),
        font_config=_font_config(),
    )


def _split_stylesheets(html: str) -> tuple[str, list]:
    """The HTML without its stylesheet links, and those stylesheets parsed (cached), in order.

    WeasyPrint applies them as user stylesheets; with no author sheet left in the document the
    cascade is the same (only the user agent's sheet ranks below them)."""
    stylesheets = []
    for href in _STYLESHEET_LINK.findall(html):
        resource = static_url_fetcher(urljoin(RENDER_ORIGIN + "/", unescape(href)))
        stylesheets.append(_parsed_stylesheet(resource["string"]))
    return _STYLESHEET_LINK.sub("", html), stylesheets


@contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector paused for the render, then one full collection.

    A render builds a graph of ~250,000 objects held together by reference cycles (elements, computed
    styles, boxes), all garbage once the PDF is written. With the collector on, every few hundred
    allocations a collection walked the growing graph again: a third of a 34-page render's time. Paused,
    the graph is collected once at the end (the memory comes back as before; the 200-render bench checks
    growth). Process-wide: a worker process renders one report at a time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """PDF bytes and page count of ``html`` (WeasyPrint, static files only)."""
    import weasyprint  # imported here: loading Pango is only needed by a renderer

    html, stylesheets = _split_stylesheets(html)
    with _cyclic_gc_paused():
        document = weasyprint.HTML(string=html, base_url=RENDER_ORIGIN + "/", url_fetcher=_fetcher()).render(
            stylesheets=stylesheets, cache=_IMAGE_CACHE, font_config=_font_config(), optimize_images=False
        )
        pdf, pages = document.write_pdf(), len(document.pages)
        del document
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return pdf, pages


def render_pdf(document: dict, meta: RenderMeta) -> RenderedPdf:
    """Render the document to PDF bytes; RenderError with a readable reason when it cannot."""
    started = time.perf_counter()
    html = render_html(document, meta)
    try:
        pdf, pages = html_to_pdf(html)
    except Exception as exc:  # WeasyPrint raises many kinds; the user needs the reason, not the type
        raise RenderError(_("The PDF could not be produced: %(reason)s") % {"reason": exc}) from exc
    if not pdf.startswith(b"%PDF-") or pages < 1:
        raise RenderError(_("The renderer returned an empty document."))
    return RenderedPdf(
        pdf=pdf, page_count=pages, render_ms=int((time.perf_counter() - started) * 1000), html=html
    )
