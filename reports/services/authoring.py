"""Writing a report: the report itself, its findings and recommendations, the engagement's branding.

Every write checks that the actor may edit (an attached consultant), validates the row, and audits in
the same transaction.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from engagements.models import Engagement
from kpo.accounts.models import User
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied

from ..choices import FigureKind
from ..document import report_months
from ..models import Finding, Recommendation, RecommendationReport, ReportBranding
from ..selectors import engagements_for_authoring, report_may_edit

REPORT_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "executive_summary",
    "include_sla_appendix",
    "include_volume_appendix",
    "include_quality_appendix",
    "include_cost_appendix",
    "fx_rate",
)
MAX_PERIOD_MONTHS = 36


def _require_editor(actor: User, report: RecommendationReport) -> None:
    if not report_may_edit(actor, report):
        raise PermissionDenied(_("Only the engagement's consultants may edit this report."))


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()),
            extra={"fields": exc.message_dict},
        ) from exc


def _check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ApplicationError(
            _("The period must end on or after its start."),
            extra={"fields": {"period_end": ["before start"]}},
        )
    months = report_months(period_start, period_end)
    if len(months) >= MAX_PERIOD_MONTHS and months[-1] < period_end.replace(day=1):
        raise ApplicationError(
            _("A report covers at most %(n)d months.") % {"n": MAX_PERIOD_MONTHS},
            extra={"fields": {"period_end": ["too long"]}},
        )


def report_create(
    *, engagement: Engagement, actor: User, title: str, period_start: date, period_end: date, **fields
) -> RecommendationReport:
    """Start a draft report on an engagement the actor is attached to as analyst or executive."""
    if not engagements_for_authoring(actor).filter(pk=engagement.pk).exists():
        raise PermissionDenied(
            _("Only an analyst or executive consultant on this engagement may start a report.")
        )
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown report fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    _check_period(period_start, period_end)
    with transaction.atomic():
        report = RecommendationReport(
            engagement=engagement,
            author=actor,
            title=title,
            period_start=period_start,
            period_end=period_end,
            **fields,
        )
        _full_clean(report)
        report.save()
        audit_record(actor=actor, action="report.created", obj=report, changes={"title": title})
    return report


def report_update(*, report: RecommendationReport, actor: User, **changes) -> RecommendationReport:
    """Change the report's own fields (title, period, summary, appendix choices)."""
    _require_editor(actor, report)
    unknown = set(changes) - set(REPORT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown report fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        locked = RecommendationReport.objects.select_for_update().get(pk=report.pk)
        changed = {}
        for field, value in changes.items():
            if getattr(locked, field) != value:
                changed[field] = {"from": str(getattr(locked, field)), "to": str(value)}
                setattr(locked, field, value)
        _check_period(locked.period_start, locked.period_end)
        _full_clean(locked)
        if changed:
            locked.save()
            audit_record(actor=actor, action="report.updated", obj=locked, changes=changed)
    return locked


def _next_position(manager) -> int:
    return (manager.aggregate(top=Max("position"))["top"] or 0) + 1


def _figure(figure_kind: str | None) -> dict | None:
    if not figure_kind:
        return None
    if figure_kind not in FigureKind.values:
        raise ApplicationError(
            _("Unknown figure “%(kind)s”.") % {"kind": figure_kind}, extra={"fields": {"figure": ["unknown"]}}
        )
    return {"kind": figure_kind}


def finding_create(
    *, report: RecommendationReport, actor: User, title: str, evidence: str, figure_kind: str | None = None
) -> Finding:
    """Add a finding (with its evidence, and optionally a figure from the engagement's data) at the end."""
    _require_editor(actor, report)
    with transaction.atomic():
        RecommendationReport.objects.select_for_update().filter(pk=report.pk).first()
        finding = Finding(
            report=report,
            position=_next_position(report.findings),
            title=title,
            evidence=evidence,
            figure=_figure(figure_kind),
        )
        _full_clean(finding)
        finding.save()
        audit_record(actor=actor, action="report.finding_added", obj=report, changes={"finding": title})
        report.save(update_fields=["updated_at"])
    return finding


def finding_update(
    *,
    finding: Finding,
    actor: User,
    title: str,
    evidence: str,
    figure_kind: str | None = None,
    position: int | None = None,
) -> Finding:
    _require_editor(actor, finding.report)
    with transaction.atomic():
        finding.title, finding.evidence, finding.figure = title, evidence, _figure(figure_kind)
        if position is not None:
            finding.position = position
        _full_clean(finding)
        finding.save()
        audit_record(
            actor=actor, action="report.finding_changed", obj=finding.report, changes={"finding": title}
        )
        finding.report.save(update_fields=["updated_at"])
    return finding


def finding_delete(*, finding: Finding, actor: User) -> None:
    _require_editor(actor, finding.report)
    with transaction.atomic():
        report = finding.report
        audit_record(
            actor=actor, action="report.finding_removed", obj=report, changes={"finding": finding.title}
        )
        finding.delete()
        report.save(update_fields=["updated_at"])


def _supporting(report: RecommendationReport, findings) -> list[Finding]:
    findings = list(findings or [])
    foreign = [f for f in findings if f.report_id != report.pk]
    if foreign:
        raise ApplicationError(
            _("A recommendation can only rest on findings of its own report."),
            extra={"fields": {"supporting_findings": ["foreign finding"]}},
        )
    return findings


def recommendation_create(
    *, report: RecommendationReport, actor: User, supporting_findings=(), **fields
) -> Recommendation:
    """Add a recommendation (action, rationale, priority, impact, owner, due) resting on some findings."""
    _require_editor(actor, report)
    findings = _supporting(report, supporting_findings)
    with transaction.atomic():
        RecommendationReport.objects.select_for_update().filter(pk=report.pk).first()
        recommendation = Recommendation(
            report=report, position=_next_position(report.recommendations), **fields
        )
        _full_clean(recommendation)
        recommendation.save()
        recommendation.supporting_findings.set(findings)
        audit_record(
            actor=actor,
            action="report.recommendation_added",
            obj=report,
            changes={"action": recommendation.action},
        )
        report.save(update_fields=["updated_at"])
    return recommendation


def recommendation_update(
    *, recommendation: Recommendation, actor: User, supporting_findings=(), **fields
) -> Recommendation:
    report = recommendation.report
    _require_editor(actor, report)
    findings = _supporting(report, supporting_findings)
    with transaction.atomic():
        for field, value in fields.items():
            setattr(recommendation, field, value)
        _full_clean(recommendation)
        recommendation.save()
        recommendation.supporting_findings.set(findings)
        audit_record(
            actor=actor,
            action="report.recommendation_changed",
            obj=report,
            changes={"action": recommendation.action},
        )
        report.save(update_fields=["updated_at"])
    return recommendation


def recommendation_delete(*, recommendation: Recommendation, actor: User) -> None:
    report = recommendation.report
    _require_editor(actor, report)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="report.recommendation_removed",
            obj=report,
            changes={"action": recommendation.action},
        )
        recommendation.delete()
        report.save(update_fields=["updated_at"])


def branding_set(
    *,
    engagement: Engagement,
    actor: User,
    accent_colour: str,
    prepared_by: str = "",
    confidentiality: str = "",
) -> ReportBranding:
    """Set how the engagement's reports look; any consultant attached to it may."""
    if not engagements_for_authoring(actor).filter(pk=engagement.pk).exists():
        raise PermissionDenied(
            _("Only an analyst or executive consultant on this engagement may change its branding.")
        )
    with transaction.atomic():
        branding, _created = ReportBranding.objects.select_for_update().get_or_create(engagement=engagement)
        branding.accent_colour, branding.prepared_by, branding.confidentiality = (
            accent_colour,
            prepared_by,
            confidentiality,
        )
        _full_clean(branding)
        branding.save()
        audit_record(
            actor=actor,
            action="report.branding_set",
            obj=engagement,
            changes={"accent_colour": accent_colour},
        )
    return branding
