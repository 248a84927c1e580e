"""Reads of recommendation reports, scoped to what the user may see."""

from django.db.models import Q, QuerySet

from engagements.models import EngagementConsultant
from engagements.selectors import visible_engagement_ids
from kpo.accounts.models import User
from kpo.accounts.selectors import is_client_user, is_operator

from .choices import ReportStatus
from .models import RecommendationReport


def reports_visible_to(user: User) -> QuerySet[RecommendationReport]:
    """Consultants attached to an engagement see all its reports; the client's people see the ready ones;
    the provider sees none (reports are written for the client). Operators see all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return RecommendationReport.objects.none()
    if is_operator(user):
        return RecommendationReport.objects.all()
    attached = EngagementConsultant.objects.filter(user=user).values("engagement_id")
    condition = Q(engagement_id__in=attached)
    if is_client_user(user):
        condition |= Q(engagement_id__in=visible_engagement_ids(user), status=ReportStatus.READY)
    return RecommendationReport.objects.filter(condition)


def report_list_for(user: User) -> QuerySet[RecommendationReport]:
    return reports_visible_to(user).select_related("engagement__client", "author").order_by("-updated_at")
