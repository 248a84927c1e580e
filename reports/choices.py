"""Report statuses, priorities and the figure kinds a finding may pull from the engagement, as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


# A render is under way in these states: a second request joins it instead of queueing another.
PENDING_STATUSES = frozenset({ReportStatus.QUEUED, ReportStatus.RENDERING})


class RecommendationPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class FigureKind(models.TextChoices):
    """Figures a finding can pull from the engagement's data for the report period."""

    RESPONSE_COMPLIANCE = "response_compliance", _("Response compliance by month (chart)")
    RESOLUTION_COMPLIANCE = "resolution_compliance", _("On-time delivery by month (chart)")
    ACCURACY = "accuracy", _("Sampled accuracy by month (chart)")
    REWORK_RATE = "rework_rate", _("Rework rate by month (chart)")
    VOLUME = "volume", _("Tasks released and delivered by month (chart)")
    TURNAROUND = "turnaround", _("Turnaround distribution (histogram)")
    SPEND = "spend", _("Spend by month against budget (chart)")


# The KPI figure kinds, by the sla.choices.Kpi value they chart.
KPI_FIGURES = frozenset(
    {
        FigureKind.RESPONSE_COMPLIANCE,
        FigureKind.RESOLUTION_COMPLIANCE,
        FigureKind.ACCURACY,
        FigureKind.REWORK_RATE,
    }
)
