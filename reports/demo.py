"""The report part of the demo: figures on the seeded findings and the consultancy's branding.

engagements/demo writes draft reports with text computed from each engagement's history; this adds
what makes the PDF look like the deliverable it stands for. Idempotent: a second run changes nothing.
"""

from django.db import transaction

from .choices import FigureKind
from .models import RecommendationReport, ReportBranding

# The seeded findings come in this order (engagements.demo.report_writer.FINDING_KINDS).
FIGURE_BY_POSITION = {
    1: FigureKind.RESOLUTION_COMPLIANCE,
    2: FigureKind.ACCURACY,
    3: FigureKind.VOLUME,
    4: FigureKind.SPEND,
}
ACCENTS = ["#0b3d6b", "#1d5c4d", "#5a2a6e", "#7a3b12", "#234e70"]


def demo_reports_enrich() -> list[RecommendationReport]:
    """Give every seeded report figures on its findings and its engagement a branding; returns them."""
    reports = list(
        RecommendationReport.objects.select_related("engagement", "author").order_by(
            "engagement__title", "pk"
        )
    )
    with transaction.atomic():
        for index, report in enumerate(reports):
            firm = (
                report.author.memberships.select_related("organisation").first() if report.author_id else None
            )
            ReportBranding.objects.get_or_create(
                engagement=report.engagement,
                defaults={
                    "accent_colour": ACCENTS[index % len(ACCENTS)],
                    "prepared_by": firm.organisation.name if firm else "KPO Desk",
                    "confidentiality": f"Confidential: prepared for {report.engagement.client.name}.",
                },
            )
            if report.fx_rate is None:
                _set_demo_fx_rate(report)
            for finding in report.findings.filter(figure__isnull=True):
                kind = FIGURE_BY_POSITION.get(finding.position)
                if kind:
                    finding.figure = {"kind": kind}
                    finding.save(update_fields=["figure"])
    return reports


def demo_report() -> RecommendationReport | None:
    """The report `make report-pages` shows: the richest seeded one (most findings and recommendations)."""
    reports = demo_reports_enrich()
    if not reports:
        return None
    return max(reports, key=lambda r: (r.recommendations.count() + r.findings.count(), -r.pk))


def _set_demo_fx_rate(report: RecommendationReport) -> None:
    """The demo providers price effort in their own currency: agree the demo's rate for the report."""
    from engagements.demo.report_content import FX_RATES
    from engagements.models import TimeEntry

    currencies = set(
        TimeEntry.objects.filter(task__engagement=report.engagement)
        .exclude(currency=report.engagement.currency)
        .values_list("currency", flat=True)
        .distinct()
    )
    if len(currencies) == 1:
        rate = FX_RATES.get((currencies.pop(), report.engagement.currency))
        if rate:
            report.fx_rate = rate
            report.save(update_fields=["fx_rate"])
