"""Reads of recommendation reports, scoped to what the user may see, and who may write them."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from engagements.choices import ConsultantRole
from engagements.models import Engagement, EngagementConsultant
from engagements.selectors import visible_engagement_ids
from kpo.accounts.models import User
from kpo.accounts.selectors import is_client_user, is_operator

from .choices import ReportStatus
from .models import Finding, Recommendation, RecommendationReport, ReportVersion

# Consultants attached in these capacities may start a report on the engagement.
AUTHOR_LINKS = (ConsultantRole.ANALYST, ConsultantRole.EXECUTIVE)


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _ready_version():
    return ReportVersion.objects.filter(report=OuterRef("pk"), status=ReportStatus.READY)


def reports_visible_to(user: User) -> QuerySet[RecommendationReport]:
    """Consultants attached to an engagement see all its reports; the client's people see those with a
    ready (published) version; the provider sees none (reports are written for the client). Operators
    see all."""
    if not _authenticated(user):
        return RecommendationReport.objects.none()
    if is_operator(user):
        return RecommendationReport.objects.all()
    attached = EngagementConsultant.objects.filter(user=user).values("engagement_id")
    condition = Q(engagement_id__in=attached)
    if is_client_user(user):
        condition |= Q(engagement_id__in=visible_engagement_ids(user)) & Q(Exists(_ready_version()))
    return RecommendationReport.objects.filter(condition)


def report_list_for(user: User) -> QuerySet[RecommendationReport]:
    """The report list of a page or the API: related rows it prints, in one query."""
    return (
        reports_visible_to(user)
        .select_related("engagement__client", "author")
        .annotate(has_ready_version=Exists(_ready_version()))
        .order_by("-updated_at", "-id")
    )


def report_may_edit(user: User, report: RecommendationReport) -> bool:
    """Only the engagement's attached consultants edit its reports (operators use the admin)."""
    if not _authenticated(user):
        return False
    return EngagementConsultant.objects.filter(user=user, engagement_id=report.engagement_id).exists()


def engagements_for_authoring(user: User) -> QuerySet[Engagement]:
    """Engagements on which the user may start a report: attached as analyst or executive."""
    if not _authenticated(user):
        return Engagement.objects.none()
    links = EngagementConsultant.objects.filter(user=user, role__in=AUTHOR_LINKS).values("engagement_id")
    return Engagement.objects.filter(pk__in=links).select_related("client").order_by("client__name", "title")


def report_for_page(user: User, pk: int) -> RecommendationReport | None:
    """One visible report with what its page prints (findings, recommendations with their findings)."""
    return (
        reports_visible_to(user)
        .select_related("engagement__client", "engagement__provider", "author")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("position", "id")),
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.order_by("position", "id").prefetch_related(
                    "supporting_findings"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def versions_visible_to(user: User, report: RecommendationReport) -> QuerySet[ReportVersion]:
    """The report's versions the user may see: all for its editors and operators, ready ones for readers."""
    versions = ReportVersion.objects.filter(report=report).select_related("created_by").order_by("-number")
    if is_operator(user) or report_may_edit(user, report):
        return versions
    return versions.filter(status=ReportStatus.READY)


def latest_ready_version(report: RecommendationReport) -> ReportVersion | None:
    return ReportVersion.objects.filter(report=report, status=ReportStatus.READY).order_by("-number").first()
