"""Draft recommendation reports whose figures are computed from the engagement's own task events.

The timeliness figures follow shared/design/sla.md: response from `ready` to the first `in_progress`,
resolution from `ready` to the first `delivered` minus time on hold, both in business seconds of the
SLA's calendar, against the per-priority targets.
"""

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from engagements.choices import DefectType, ReviewOutcome, TaskStatus
from engagements.models import Engagement
from reports.choices import ReportStatus
from reports.models import Finding, Recommendation, RecommendationReport

from . import report_content
from .clock import calendar_clock
from .lifecycle import HOUR

S = TaskStatus
FINDING_KINDS = ["timeliness", "quality", "holds", "cost"]


def _pct(numerator, denominator) -> str:
    return f"{100 * numerator / denominator:.1f}%" if denominator else "n/a"


def _verdict(numerator, denominator, target: float, *, lower_is_better: bool = False) -> str:
    if not denominator:
        return "not yet measurable"
    value = numerator / denominator
    ok = value <= target if lower_is_better else value >= target
    if lower_is_better:
        return f"within the {target:.0%} ceiling" if ok else f"above the {target:.0%} ceiling"
    return f"meeting the {target:.0%} target" if ok else f"below the {target:.0%} target"


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


def engagement_metrics(engagement: Engagement, now: datetime) -> dict:
    """Everything the report texts quote, computed from events, reviews and time entries."""
    sla = engagement.sla
    clock = calendar_clock(sla.calendar)
    targets = {t.priority: t for t in sla.targets.all()}
    tasks = list(engagement.tasks.prefetch_related("events", "reviews__defects", "time_entries"))
    responded = response_met = delivered = resolution_met = started = held_tasks = holds = 0
    hold_seconds, overruns, scores, defects, reasons = 0, [], [], Counter(), []
    rework_defects: Counter = Counter()
    rework_tasks = reviewed_tasks = released = released_after_hours = 0
    reworked_titles: list[str] = []
    hours = spend = estimated = delivered_hours = Decimal(0)
    rate_currency = ""
    for task in tasks:
        events = sorted(
            (e for e in task.events.all() if e.kind == "status"), key=lambda e: (e.occurred_at, e.pk)
        )
        ready = next((e.occurred_at for e in events if e.to_status == S.READY), None)
        first_work = next((e.occurred_at for e in events if e.to_status == S.IN_PROGRESS), None)
        first_delivery = next((e.occurred_at for e in events if e.to_status == S.DELIVERED), None)
        target = targets.get(task.priority)
        if first_work:
            started += 1
        if ready:
            released += 1
            # Released outside the provider's working day: the clock waits for its next morning.
            released_after_hours += clock.align(ready) != ready
        if ready and first_work and target:
            responded += 1
            response_met += clock.between(ready, first_work) <= target.response_seconds
        paused, hold_start, task_holds = 0, None, 0
        for event in events:
            if event.to_status == S.ON_HOLD:
                hold_start, task_holds = event.occurred_at, task_holds + 1
                reasons.append((event.occurred_at, event.note))
            elif hold_start is not None:
                span = clock.between(hold_start, event.occurred_at)
                hold_seconds += span
                if first_delivery is None or event.occurred_at <= first_delivery:
                    paused += span
                hold_start = None
        if hold_start is not None:
            hold_seconds += clock.between(hold_start, now)
        holds += task_holds
        held_tasks += task_holds > 0
        if ready and first_delivery and target:
            delivered += 1
            resolution = clock.between(ready, first_delivery) - paused
            resolution_met += resolution <= target.resolution_seconds
            if resolution > target.resolution_seconds:
                overruns.append((resolution - target.resolution_seconds, task, resolution, target))
        if any(e.to_status == S.REWORK_REQUESTED for e in events):
            rework_tasks += 1
            reworked_titles.append(task.title)
        reviews = list(task.reviews.all())
        reviewed_tasks += bool(reviews)
        for review in reviews:
            scores.append(review.accuracy_score)
            for defect in review.defects.all():
                defects[defect.defect_type] += defect.count
                if review.outcome == ReviewOutcome.REWORK:
                    rework_defects[defect.defect_type] += defect.count
        task_hours = sum((entry.hours for entry in task.time_entries.all()), Decimal(0))
        hours += task_hours
        for entry in task.time_entries.all():
            spend += entry.hours * entry.hourly_rate
            rate_currency = entry.currency
        if first_delivery and task.estimated_hours:
            estimated += task.estimated_hours
            delivered_hours += task_hours

    overruns.sort(key=lambda item: item[0], reverse=True)
    late_list = (
        "\n".join(
            f"- *{task.title}* ({task.priority}): {resolution / HOUR:.1f} business hours against "
            f"{target.resolution_seconds / HOUR:.0f}"
            for _over, task, resolution, target in overruns[:3]
        )
        or "- none"
    )
    defect_list = (
        "\n".join(f"- {DefectType(kind).label}: {count}" for kind, count in defects.most_common())
        or "- none recorded"
    )
    recent_reasons = list(dict.fromkeys(note for _at, note in sorted(reasons, reverse=True) if note))[:4]
    hold_reasons = "\n".join(f"- {note}" for note in recent_reasons) or "- none"
    breaches = Counter(task.priority for _over, task, _resolution, _target in overruns)
    client = engagement.client
    rate_currency = rate_currency or client.currency
    fx = Decimal(report_content.FX_RATES.get((rate_currency, client.currency), "1"))
    spend_client = spend * fx
    in_house = hours * client.in_house_hourly_cost
    period_start = max(engagement.start_date, (now - timedelta(days=180)).date())
    period_end = (now - timedelta(days=1)).date()
    mean = sum(scores) / len(scores) if scores else None
    return {
        "period_start": period_start,
        "period_end": period_end,
        "period": f"{period_start:%d %B %Y} and {period_end:%d %B %Y}",
        "calendar": sla.calendar.name,
        "responded": responded,
        "response_met": response_met,
        "response_rate": _pct(response_met, responded),
        "response_verdict": _verdict(response_met, responded, 0.95),
        "delivered": delivered,
        "resolution_met": resolution_met,
        "resolution_rate": _pct(resolution_met, delivered),
        "resolution_verdict": _verdict(resolution_met, delivered, 0.95),
        "late_list": late_list,
        "reviews": len(scores),
        "mean_accuracy": f"{mean:.1f}%" if mean is not None else "n/a",
        "min_accuracy": f"{min(scores):.1f}%" if scores else "n/a",
        "accuracy_verdict": _verdict(float(mean or 0), 100 if scores else 0, 0.98),
        "sampling_coverage": _pct(reviewed_tasks, delivered),
        "sampling_target": f"{sla.sampling_rate:.0%}",
        "rework_tasks": rework_tasks,
        "rework_rate": _pct(rework_tasks, delivered),
        "rework_verdict": _verdict(rework_tasks, delivered, 0.05, lower_is_better=True),
        "defect_list": defect_list,
        # The defect behind most rework requests (presentation defects ride along on others).
        "top_defect": str(DefectType(rework_defects.most_common(1)[0][0]).label).lower()
        if rework_defects
        else "none",
        "rework_examples": "\n".join(f"- *{title}*" for title in reworked_titles[:3]) or "- none",
        "released": released,
        "after_hours_share": _pct(released_after_hours, released),
        "breaches_by_priority": ", ".join(f"{p} {n}" for p, n in sorted(breaches.items())) or "none",
        "started": started,
        "held_tasks": held_tasks,
        "holds": holds,
        "hold_share": _pct(held_tasks, started),
        "hold_hours_avg": f"{hold_seconds / holds / HOUR:.1f}" if holds else "0",
        "on_hold_now": sum(1 for task in tasks if task.status == S.ON_HOLD),
        "hold_reasons": hold_reasons,
        "hours_logged": f"{hours:,.1f}",
        "estimated_hours": f"{estimated:,.1f}",
        "effort_ratio": _pct(delivered_hours, estimated),
        "spend": _money(spend, rate_currency),
        "rate_currency": rate_currency,
        "blended_rate": f"{rate_currency} {spend / hours:.2f}" if hours else "n/a",
        "client_currency": client.currency,
        "fx_rate": f"{fx}",
        "spend_client": _money(spend_client, client.currency),
        "budget": _money(engagement.budget, engagement.currency),
        "budget_used_pct": _pct(spend_client, engagement.budget),
        "in_house_rate": _money(client.in_house_hourly_cost, client.currency),
        "in_house_cost": _money(in_house, client.currency),
        "savings_pct": _pct(in_house - spend_client, in_house),
    }


def report_write(*, engagement: Engagement, key: str, author, now: datetime) -> RecommendationReport | None:
    """Create the draft report for one engagement, or return None when it already exists."""
    content = report_content.REPORTS[key]
    title = f"Delivery review and recommendations: {engagement.title}"
    if RecommendationReport.objects.filter(engagement=engagement, title=title).exists():
        return None
    metrics = engagement_metrics(engagement, now)
    report = RecommendationReport.objects.create(
        engagement=engagement,
        author=author,
        title=title,
        status=ReportStatus.DRAFT,
        period_start=metrics["period_start"],
        period_end=metrics["period_end"],
        executive_summary=content["summary"].format(**metrics),
    )
    findings = []
    for position, (kind, note) in enumerate(zip(FINDING_KINDS, content["notes"], strict=True), start=1):
        findings.append(
            Finding.objects.create(
                report=report,
                position=position,
                title=report_content.FINDING_TITLES[kind].format(**metrics)[:200],
                evidence=report_content.FINDING_EVIDENCE[kind].format(note=note.format(**metrics), **metrics),
            )
        )
    for position, (action, rationale, priority, impact, owner, due_days, supports) in enumerate(
        content["recommendations"], start=1
    ):
        recommendation = Recommendation.objects.create(
            report=report,
            position=position,
            action=action[:300],
            rationale=rationale.format(**metrics),
            priority=priority,
            expected_impact=impact.format(**metrics)[:300],
            owner=owner,
            due_date=(now + timedelta(days=due_days)).date(),
        )
        recommendation.supporting_findings.set([findings[index] for index in supports])
    return report
