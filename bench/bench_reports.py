"""Recommendation report PDFs: WeasyPrint render speed, memory, and headless chromium on the same HTML.

Two documents, built in memory (no database; the renderer never touches one):
  demo     the size of the seeded demo report (7 months, 4 findings with charts, 4 recommendations)
  long     a ~30-page report (36 months of appendix tables, a chart in every finding, long evidence tables)

Printed: p50/p95 render time (HTML + PDF), pages per second, peak RSS of the rendering process, RSS
growth over BENCH_REPORT_RENDERS consecutive renders (default 200; set fewer for a quick run), and
chromium's time printing the same HTML (with the same stylesheet) to PDF, with the ratio.

Goal (shared/design/quality.md): the 30-page report under 3 s at p95, within 3x of chromium, peak
under 300 MB, growth under 10%.

    .venv/bin/python bench/bench_reports.py
    BENCH_REPORT_RENDERS=20 BENCH_REPORT_RUNS=5 .venv/bin/python bench/bench_reports.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpo.settings")

RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "10"))
GROWTH_RENDERS = int(os.environ.get("BENCH_REPORT_RENDERS", "200"))
CHROMIUM_RUNS = int(os.environ.get("BENCH_CHROMIUM_RUNS", "5"))
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


# --- documents ------------------------------------------------------------------------------------


def _months(count: int) -> list[str]:
    labels, year, month = [], 2023, 1
    for _ in range(count):
        labels.append(f"{year}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return labels


def _wave(index: int, base: float, swing: float) -> float:
    return round(base + swing * ((index * 37) % 11 - 5) / 5, 4)


def synthetic_document(*, months: int, findings: int, recommendations: int, evidence_rows: int) -> dict:
    """A report document shaped exactly like reports.document.report_document's output."""
    labels = _months(months)
    kpis = []
    for kpi, label, target, lower, base, swing in (
        ("response_compliance", "Response compliance", 0.95, False, 0.95, 0.04),
        ("resolution_compliance", "Resolution compliance (on time)", 0.95, False, 0.93, 0.06),
        ("accuracy", "Accuracy", 0.98, False, 0.965, 0.025),
        ("rework_rate", "Rework rate", 0.05, True, 0.06, 0.04),
        ("sampling_coverage", "Sampling coverage", 0.25, False, 0.27, 0.08),
    ):
        kpis.append(
            {
                "kpi": kpi,
                "label": label,
                "target": target,
                "lower_is_better": lower,
                "months": [
                    {
                        "month": m,
                        "numerator": round(_wave(i, base, swing) * 40, 2),
                        "denominator": 40,
                        "value": max(0.0, min(1.0, _wave(i, base, swing))),
                    }
                    for i, m in enumerate(labels)
                ],
            }
        )
    table = "\n".join(
        ["| Task | Priority | Business hours | Target | Outcome |", "|---|---|---|---|---|"]
        + [
            f"| Filing summary {n} for counterparty {n % 7} | P{1 + n % 4} | {8 + (n * 13) % 40} | {8 * (1 + n % 4)} | "
            f"{'late' if n % 5 == 0 else 'on time'} |"
            for n in range(evidence_rows)
        ]
    )
    figures = [
        "resolution_compliance",
        "accuracy",
        "volume",
        "spend",
        "turnaround",
        "rework_rate",
        "response_compliance",
    ]
    start = date(2023, 1, 1)
    return {
        "schema": 1,
        "report": {
            "id": 1,
            "title": "Delivery review and recommendations: Litigation research support",
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=30 * months)).isoformat(),
            "fx_rate": "0.79",
            "executive_summary": (
                "Vidya's litigation research team delivered **412** research tasks for the London disputes group. "
                "Response compliance was 97.1% and on-time delivery 93.5% against 95% targets; sampled accuracy "
                "averaged 94.7% with rework on 9.7% of deliveries. The same hours in house would have cost "
                "GBP 36,141, a saving of 81.7%.\n\nWe recommend three scoping questions at intake, a pre-delivery "
                "citation checklist and an agreed rule for requests released after Bengaluru's working day."
            ),
            "author": "Daniel Okafor",
            "appendix": {"sla": True, "volume": True, "quality": True, "cost": True},
        },
        "engagement": {
            "id": 1,
            "title": "Litigation research support",
            "client": "Hartwell & Pryce LLP",
            "provider": "Vidya Knowledge Services Pvt. Ltd.",
            "service_line": "Legal research and document review",
            "currency": "GBP",
            "budget": "180000.00",
            "start_date": start.isoformat(),
            "sla": "Litigation research SLA",
        },
        "branding": {
            "accent": "#0b3d6b",
            "prepared_by": "Fairlight Sourcing Advisory",
            "confidentiality": "Confidential: prepared for Hartwell & Pryce LLP.",
        },
        "findings": [
            {
                "number": n,
                "title": f"Finding {n}: on-time delivery dips when requests arrive after Bengaluru's day",
                "evidence": (
                    "Measured on the SLA calendar (*Vidya Bengaluru*, Mon-Fri 09:30-18:30 IST) from the task "
                    "events.\n\n- 59.0% of requests were released after Bengaluru's working day had ended.\n"
                    "- Holds average 2.6 business hours.\n\n" + table
                ),
                "figure": figures[(n - 1) % len(figures)],
            }
            for n in range(1, findings + 1)
        ],
        "recommendations": [
            {
                "number": n,
                "action": f"Recommendation {n}: add three scoping questions to the research request form",
                "rationale": (
                    "Finding 3 counts 2 holds averaging 2.6 business hours, all waiting on questions an "
                    "associate can answer when raising the request. Asking them at intake removes the wait."
                ),
                "priority": ("high", "medium", "low")[n % 3],
                "expected_impact": "Fewer holds; on-time delivery at or above 95%",
                "owner": "Richard Ashworth (Hartwell & Pryce)",
                "due_date": "2026-12-22",
                "supporting_findings": [1, min(3, findings)],
            }
            for n in range(1, recommendations + 1)
        ],
        "data": {
            "time_zone": "Asia/Kolkata",
            "months": labels,
            "kpis": kpis,
            "volume": [
                {
                    "month": m,
                    "released": 5 + i % 6,
                    "delivered": 4 + i % 5,
                    "accepted": 4 + i % 4,
                    "rework": i % 3,
                }
                for i, m in enumerate(labels)
            ],
            "turnaround": {
                "edges": [0, 4, 8, 16, 24, 40, 64, 96],
                "hours": [round(2 + (i * 7.3) % 70, 2) for i in range(40 * months)],
                "by_priority": [
                    {
                        "priority": p,
                        "count": 10 * months,
                        "median_hours": 6.0 + i,
                        "p90_hours": 14.0 + 2 * i,
                        "target_hours": 8.0 * (i + 1),
                        "on_time": 9 * months,
                    }
                    for i, p in enumerate(["P1", "P2", "P3", "P4"])
                ],
            },
            "quality": {
                "months": [
                    {"month": m, "reviews": 3 + i % 4, "mean_score": round(93 + (i % 6), 1), "rework": i % 2}
                    for i, m in enumerate(labels)
                ],
                "defects": [{"type": "Formatting", "count": 5}, {"type": "Missed source", "count": 2}],
            },
            "cost": {
                "currency": "GBP",
                "months": [
                    {"month": m, "hours": f"{30 + (i * 7) % 40}.00", "spend": f"{900 + (i * 211) % 1200}.00"}
                    for i, m in enumerate(labels)
                ],
                "period_hours": "1200.00",
                "period_spend": "36000.00",
                "budget": "180000.00",
                "hours_to_date": "1200.00",
                "fx_rate": "0.79",
                "converted_from": ["USD"],
                "unconverted_entries": 0,
                "spend_to_date": "36000.00",
                "budget_used": 0.2,
                "in_house_rate": "145.00",
                "in_house_currency": "GBP",
                "in_house_cost": "174000.00",
                "savings": "138000.00",
                "savings_share": 0.7931,
            },
        },
    }


DOCUMENTS = {
    "demo": lambda: synthetic_document(months=7, findings=4, recommendations=4, evidence_rows=3),
    "long": lambda: synthetic_document(months=36, findings=14, recommendations=10, evidence_rows=18),
}


# --- measuring ------------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def _setup():
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    logging.getLogger("fontTools").setLevel(logging.CRITICAL)


def worker(kind: str, runs: int, growth: int) -> None:
    """In a fresh process: time `runs` renders of one document, then `growth` more for memory; JSON out."""
    _setup()
    from reports.rendering import RenderMeta, html_to_pdf, render_html

    document = DOCUMENTS[kind]()
    meta = RenderMeta(content_sha256="0" * 64, version_number=1, requested_at="now", requested_by="bench")
    html_to_pdf(render_html(document, meta))  # warm-up: fonts, stylesheet, caches
    times, html_times, pages = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        html = render_html(document, meta)
        built = time.perf_counter()
        pdf, pages = html_to_pdf(html)
        times.append(time.perf_counter() - started)
        html_times.append(built - started)
    baseline = rss_mb()
    samples = []
    for n in range(1, growth + 1):
        html_to_pdf(render_html(document, meta))
        if n % max(1, growth // 4) == 0:
            samples.append(round(rss_mb(), 1))
    print(
        json.dumps(
            {
                "kind": kind,
                "pages": pages,
                "bytes": len(pdf),
                "times": times,
                "html_times": html_times,
                "rss_baseline": baseline,
                "rss_samples": samples,
                "rss_end": rss_mb(),
                "peak": peak_mb(),
                "html": html,
            }
        )
    )


def run_worker(kind: str, runs: int, growth: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(runs), str(growth)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def chromium_times(html: str, runs: int) -> tuple[list[float], int] | None:
    """Print the same HTML (stylesheets as local files) with headless chromium; None when absent."""
    if not (CHROMIUM and Path(CHROMIUM).exists()):
        return None
    from pypdf import PdfReader

    _setup()
    from reports.rendering import brand_css

    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        shutil.copy(ROOT / "static/css/pdf.css", folder_path / "pdf.css")
        (folder_path / "brand.css").write_text(brand_css("#0b3d6b"))
        local = html.replace('href="/static/css/pdf.css"', 'href="pdf.css"')
        start = local.find('href="/reports/brand.css')
        if start >= 0:
            end = local.find('"', start + 6)
            local = local[:start] + 'href="brand.css"' + local[end + 1 :]
        page = folder_path / "report.html"
        page.write_text(local)
        out = folder_path / "report.pdf"
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [
                    CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                    f"--user-data-dir={folder_path / 'profile'}", f"--print-to-pdf={out}", page.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip
            times.append(time.perf_counter() - started)
        return times, len(PdfReader(out).pages)


def main() -> None:
    print(
        f"Report PDF bench: {RUNS} timed renders each, {GROWTH_RENDERS} for memory growth, chromium x{CHROMIUM_RUNS}"
    )
    for kind in ("demo", "long"):
        result = run_worker(kind, RUNS, GROWTH_RENDERS if kind == "demo" else max(1, GROWTH_RENDERS // 10))
        times = result["times"]
        p50, p95 = statistics.median(times), percentile(times, 95)
        growth = (result["rss_end"] - result["rss_baseline"]) / result["rss_baseline"] * 100
        print(f"\n[{kind}] {result['pages']} pages, {result['bytes'] / 1024:.0f} KiB")
        print(
            f"  weasyprint  p50 {p50:.3f} s   p95 {p95:.3f} s   ({statistics.median(result['html_times']) * 1000:.0f} ms of it building HTML)"
        )
        print(f"  pages/s     {result['pages'] / p50:.1f}")
        print(f"  peak RSS    {result['peak']:.0f} MB (rendering process)")
        renders = GROWTH_RENDERS if kind == "demo" else max(1, GROWTH_RENDERS // 10)
        print(
            f"  RSS growth  {growth:+.1f}% over {renders} more renders "
            f"({result['rss_baseline']:.0f} MB -> {result['rss_end']:.0f} MB; samples {result['rss_samples']})"
        )
        peer = chromium_times(result["html"], CHROMIUM_RUNS)
        if peer is None:
            print(f"  chromium    not found at {CHROMIUM}: no ratio")
            continue
        chrome_times, chrome_pages = peer
        c50 = statistics.median(chrome_times)
        print(
            f"  chromium    p50 {c50:.3f} s   p95 {percentile(chrome_times, 95):.3f} s   ({chrome_pages} pages, process start included)"
        )
        print(
            f"  ratio       weasyprint / chromium = {p50 / c50:.2f}x at p50, {p95 / percentile(chrome_times, 95):.2f}x at p95"
        )
        if kind == "long":
            verdict = [
                f"p95 {'<' if p95 < 3 else '>='} 3 s",
                f"{p95 / percentile(chrome_times, 95):.2f}x chromium (goal <= 3x)",
                f"peak {result['peak']:.0f} MB (goal < 300)",
            ]
            print("  goal        " + "; ".join(verdict))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
