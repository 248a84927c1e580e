"""The report's content as one JSON document: its text and the engagement's figures for the period.

A render snapshots this document on its version, and the content hash is the SHA-256 of its canonical
JSON, so a version renders the same PDF however often it is re-run, and a reader can check a copy
against the app. Reading the engagement's data happens here (a bounded number of aggregate queries per
month of the period); `reports.rendering` turns the document into HTML and PDF without the database.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from engagements.choices import DefectType, ReviewOutcome, TaskEventKind, TaskStatus
from engagements.models import QualityReview, ReviewDefect, TaskEvent, TimeEntry
from sla.choices import KPI_LOWER_IS_BETTER, ClockKind, ClockState, Kpi, PeriodKind
from sla.kpis import _month_after, engagement_time_zone, kpi_ratios, kpi_targets, period_for
from sla.models import TaskClock

from .models import RecommendationReport, ReportBranding

SCHEMA_VERSION = 1
# Turnaround histogram bins, in business hours (the last bin is open-ended).
TURNAROUND_EDGES = [0, 4, 8, 16, 24, 40, 64, 96]
CENT = Decimal("0.01")


def _money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP))


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def report_months(period_start: date, period_end: date) -> list[date]:
    """First days of the calendar months the period touches, in order (at most 36)."""
    months, month = [], period_start.replace(day=1)
    while month <= period_end and len(months) < 36:
        months.append(month)
        month = _month_after(month)
    return months


def content_sha256(document: dict) -> str:
    """SHA-256 of the document's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def report_document(report: RecommendationReport) -> dict:
    """The whole content of the report as JSON-safe data (see the module docstring)."""
    engagement = report.engagement
    branding = ReportBranding.objects.filter(engagement=engagement).first()
    findings = list(report.findings.all())
    number_of = {finding.pk: index for index, finding in enumerate(findings, start=1)}
    recommendations = list(report.recommendations.prefetch_related("supporting_findings"))
    author = report.author
    return {
        "schema": SCHEMA_VERSION,
        "report": {
            "id": report.pk,
            "title": report.title,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "fx_rate": str(report.fx_rate) if report.fx_rate else None,
            "executive_summary": report.executive_summary,
            "author": (author.full_name or author.email) if author else "",
            "appendix": {
                "sla": report.include_sla_appendix,
                "volume": report.include_volume_appendix,
                "quality": report.include_quality_appendix,
                "cost": report.include_cost_appendix,
            },
        },
        "engagement": {
            "id": engagement.pk,
            "title": engagement.title,
            "client": engagement.client.name,
            "provider": engagement.provider.name,
            "service_line": engagement.service_line.name,
            "currency": engagement.currency,
            "budget": _money(engagement.budget),
            "start_date": engagement.start_date.isoformat(),
            "sla": engagement.sla.name if engagement.sla_id else "",
        },
        "branding": {
            "accent": branding.accent_colour if branding else "#0b3d6b",
            "prepared_by": (branding.prepared_by if branding else "") or "KPO Desk",
            "confidentiality": branding.confidentiality if branding else "",
        },
        "findings": [
            {
                "number": number_of[finding.pk],
                "title": finding.title,
                "evidence": finding.evidence,
                "figure": (finding.figure or {}).get("kind") or None,
            }
            for finding in findings
        ],
        "recommendations": [
            {
                "number": index,
                "action": rec.action,
                "rationale": rec.rationale,
                "priority": rec.priority,
                "expected_impact": rec.expected_impact,
                "owner": rec.owner,
                "due_date": rec.due_date.isoformat() if rec.due_date else None,
                "supporting_findings": sorted(
                    number_of[f.pk] for f in rec.supporting_findings.all() if f.pk in number_of
                ),
            }
            for index, rec in enumerate(recommendations, start=1)
        ],
        "data": engagement_figures(report),
    }


def engagement_figures(report: RecommendationReport) -> dict:
    """The engagement's figures for the report's period, month by month (local months of its SLA zone)."""
    engagement = report.engagement
    zone_name = engagement_time_zone(engagement)
    zone = ZoneInfo(zone_name)
    months = report_months(report.period_start, report.period_end)
    periods = [
        period_for(period_start=month, period_kind=PeriodKind.MONTH, time_zone=zone_name) for month in months
    ]
    labels = [f"{month:%Y-%m}" for month in months]
    starts_at, ends_at = (periods[0].starts_at, periods[-1].ends_at) if periods else (None, None)

    def month_of(instant) -> str:
        return f"{instant.astimezone(zone):%Y-%m}"

    # SLA KPIs: the same definitions as the SLA pages (sla.kpis), three aggregates a month.
    targets = kpi_targets(engagement)
    ratios_by_month = [kpi_ratios(engagement_id=engagement.pk, period=period) for period in periods]
    kpis = []
    for kpi in Kpi:
        kpis.append(
            {
                "kpi": kpi.value,
                "label": str(kpi.label),
                "target": _ratio(targets[kpi]),
                "lower_is_better": kpi in KPI_LOWER_IS_BETTER,
                "months": [
                    {
                        "month": label,
                        "numerator": float(ratios[kpi].numerator),
                        "denominator": int(ratios[kpi].denominator),
                        "value": _ratio(ratios[kpi].value),
                    }
                    for label, ratios in zip(labels, ratios_by_month, strict=True)
                ],
            }
        )

    # Volumes: distinct tasks reaching each status in each month.
    volume = {label: Counter() for label in labels}
    tracked = [TaskStatus.READY, TaskStatus.DELIVERED, TaskStatus.ACCEPTED, TaskStatus.REWORK_REQUESTED]
    if periods:
        seen = set()
        for task_id, to_status, occurred_at in (
            TaskEvent.objects.filter(
                task__engagement_id=engagement.pk,
                kind=TaskEventKind.STATUS,
                to_status__in=tracked,
                occurred_at__gte=starts_at,
                occurred_at__lt=ends_at,
            )
            .order_by()
            .values_list("task_id", "to_status", "occurred_at")
        ):
            key = (task_id, to_status, month_of(occurred_at))
            if key not in seen:
                seen.add(key)
                volume[key[2]][to_status] += 1

    # Turnaround: business hours of resolution clocks that stopped in the period, by priority.
    turnaround = []
    if periods:
        turnaround = list(
            TaskClock.objects.filter(
                task__engagement_id=engagement.pk,
                kind=ClockKind.RESOLUTION,
                state__in=[ClockState.MET, ClockState.BREACHED],
                stopped_at__gte=starts_at,
                stopped_at__lt=ends_at,
            )
            .order_by("stopped_at", "task_id")
            .values_list("priority", "elapsed_seconds", "target_seconds", "state")
        )
    by_priority: dict[str, list] = defaultdict(list)
    for priority, elapsed, target, state in turnaround:
        by_priority[priority or "—"].append((elapsed / 3600, (target or 0) / 3600, state == ClockState.MET))

    # Quality: reviews in the period by month, defects by type.
    quality = {label: {"reviews": 0, "score_total": 0.0, "rework": 0} for label in labels}
    defects: Counter = Counter()
    if periods:
        in_period = Q(reviewed_at__gte=starts_at, reviewed_at__lt=ends_at)
        for reviewed_at, score, outcome in (
            QualityReview.objects.filter(in_period, task__engagement_id=engagement.pk)
            .order_by()
            .values_list("reviewed_at", "accuracy_score", "outcome")
        ):
            row = quality[month_of(reviewed_at)]
            row["reviews"] += 1
            row["score_total"] += float(score)
            row["rework"] += outcome == ReviewOutcome.REWORK
        for defect_type, count in (
            ReviewDefect.objects.filter(
                review__task__engagement_id=engagement.pk,
                review__reviewed_at__gte=starts_at,
                review__reviewed_at__lt=ends_at,
            )
            .order_by()
            .values_list("defect_type", "count")
        ):
            defects[defect_type] += count

    # Cost: effort by work date, priced at the rate card; other currencies converted at the report's rate.
    spend = {label: {"hours": Decimal(0), "spend": Decimal(0)} for label in labels}
    first_day, after_last = (months[0], _month_after(months[-1])) if months else (None, None)
    currency = engagement.currency
    fx_rate = report.fx_rate
    converted_from: set[str] = set()
    unconverted: Counter = Counter()

    def priced(hours: Decimal, rate: Decimal, entry_currency: str) -> Decimal | None:
        if entry_currency == currency:
            return hours * rate
        if fx_rate:
            converted_from.add(entry_currency)
            return hours * rate * fx_rate
        unconverted[entry_currency] += 1
        return None

    spend_to_date = Decimal(0)
    hours_to_date = Decimal(0)
    for work_date, hours, rate, entry_currency in (
        TimeEntry.objects.filter(task__engagement_id=engagement.pk, work_date__lte=report.period_end)
        .order_by()
        .values_list("work_date", "hours", "hourly_rate", "currency")
    ):
        amount = priced(hours, rate, entry_currency)
        hours_to_date += hours
        spend_to_date += amount or 0
        if first_day and first_day <= work_date < after_last and work_date >= report.period_start:
            row = spend[f"{work_date:%Y-%m}"]
            row["hours"] += hours
            row["spend"] += amount or 0
    period_hours = sum((row["hours"] for row in spend.values()), Decimal(0))
    period_spend = sum((row["spend"] for row in spend.values()), Decimal(0))
    client = engagement.client
    same_currency = client.currency == currency
    in_house = period_hours * client.in_house_hourly_cost if same_currency else None

    return {
        "time_zone": zone_name,
        "months": labels,
        "kpis": kpis,
        "volume": [
            {
                "month": label,
                "released": volume[label][TaskStatus.READY],
                "delivered": volume[label][TaskStatus.DELIVERED],
                "accepted": volume[label][TaskStatus.ACCEPTED],
                "rework": volume[label][TaskStatus.REWORK_REQUESTED],
            }
            for label in labels
        ],
        "turnaround": {
            "edges": TURNAROUND_EDGES,
            "hours": [round(elapsed / 3600, 2) for _p, elapsed, _t, _s in turnaround],
            "by_priority": [
                {
                    "priority": priority,
                    "count": len(items),
                    "median_hours": round(_percentile([h for h, _t, _m in items], 50), 1),
                    "p90_hours": round(_percentile([h for h, _t, _m in items], 90), 1),
                    "target_hours": round(max(t for _h, t, _m in items), 1),
                    "on_time": sum(1 for _h, _t, met in items if met),
                }
                for priority, items in sorted(by_priority.items())
            ],
        },
        "quality": {
            "months": [
                {
                    "month": label,
                    "reviews": quality[label]["reviews"],
                    "mean_score": round(quality[label]["score_total"] / quality[label]["reviews"], 1)
                    if quality[label]["reviews"]
                    else None,
                    "rework": quality[label]["rework"],
                }
                for label in labels
            ],
            "defects": [
                {"type": str(DefectType(kind).label) if kind in DefectType.values else kind, "count": count}
                for kind, count in sorted(defects.items(), key=lambda item: (-item[1], item[0]))
            ],
        },
        "cost": {
            "currency": engagement.currency,
            "months": [
                {
                    "month": label,
                    "hours": _money(spend[label]["hours"]),
                    "spend": _money(spend[label]["spend"]),
                }
                for label in labels
            ],
            "period_hours": _money(period_hours),
            "period_spend": _money(period_spend),
            "budget": _money(engagement.budget),
            "hours_to_date": _money(hours_to_date),
            "fx_rate": str(fx_rate) if fx_rate else None,
            "converted_from": sorted(converted_from),
            "unconverted_entries": sum(unconverted.values()),
            "spend_to_date": _money(spend_to_date),
            "budget_used": _ratio(
                (spend_to_date / engagement.budget).quantize(Decimal("0.0001")) if engagement.budget else None
            ),
            "in_house_rate": _money(client.in_house_hourly_cost),
            "in_house_currency": client.currency,
            "in_house_cost": _money(in_house) if in_house is not None else None,
            "savings": _money(in_house - period_spend) if in_house is not None else None,
            "savings_share": _ratio((1 - period_spend / in_house).quantize(Decimal("0.0001")))
            if in_house
            else None,
        },
    }


def _percentile(values: list[float], percent: int) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]
