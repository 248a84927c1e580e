"""Recommendation reports: findings with evidence, recommendations with their rationale, rendered versions."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpo.core.models import KpoModel, TimeStampedModel

from .choices import RecommendationPriority, ReportStatus


class RecommendationReport(TimeStampedModel):
    """A consultant's report on an engagement: conclusions, recommended actions, and how each was reached."""

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    executive_summary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    last_error = models.TextField(blank=True)
    include_sla_appendix = models.BooleanField(default=True)
    include_volume_appendix = models.BooleanField(default=True)
    include_quality_appendix = models.BooleanField(default=True)
    include_cost_appendix = models.BooleanField(default=True)
    fx_rate = models.DecimalField(
        "exchange rate",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "Converts effort priced in another currency (the provider's rate card) into the engagement's "
            "currency, e.g. 0.79 for USD to GBP. Without it, such effort is left out of the spend."
        ),
    )

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_order"
            ),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
        ]
        indexes = [models.Index(fields=["engagement", "status"], name="report_engagement_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])


class ReportBranding(KpoModel):
    """How an engagement's reports look: accent colour and who they are prepared by and for."""

    engagement = models.OneToOneField(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="report_branding"
    )
    accent_colour = models.CharField(
        max_length=7,
        default="#0b3d6b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #0b3d6b."))],
    )
    prepared_by = models.CharField(max_length=150, blank=True, help_text=_("The consultancy's name."))
    confidentiality = models.CharField(
        max_length=200, blank=True, default="Confidential: prepared for the client named on the cover."
    )

    def __str__(self) -> str:
        return f"Branding of {self.engagement}"


class Finding(KpoModel):
    """A conclusion with its evidence."""

    report = models.ForeignKey(RecommendationReport, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    evidence = models.TextField(help_text=_("Markdown: what was observed and where."))
    figure = models.JSONField(
        null=True,
        blank=True,
        help_text=_('Optional figure pulled from engagement data, e.g. {"kind": "resolution_compliance"}.'),
    )

    class Meta:
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Recommendation(KpoModel):
    """A recommended action and the rationale explaining how it was reached."""

    report = models.ForeignKey(RecommendationReport, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=300)
    rationale = models.TextField(help_text=_("Markdown: how the recommendation was reached."))
    priority = models.CharField(
        max_length=8, choices=RecommendationPriority.choices, default=RecommendationPriority.MEDIUM
    )
    expected_impact = models.CharField(max_length=300, blank=True)
    owner = models.CharField(max_length=150, blank=True)
    due_date = models.DateField(null=True, blank=True)
    supporting_findings = models.ManyToManyField(Finding, related_name="recommendations", blank=True)

    class Meta:
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return self.action


def report_version_upload_to(instance: "ReportVersion", filename: str) -> str:
    return f"reports/{instance.report_id}/v{instance.number}-{instance.content_sha256[:12]}.pdf"


class ReportVersion(KpoModel):
    """An immutable render of a report; a new render never overwrites an old one."""

    report = models.ForeignKey(RecommendationReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    content_sha256 = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to=report_version_upload_to, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    render_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The document rendered (report text and appendix figures as they were when the render was asked
    # for): content_sha256 is the SHA-256 of its canonical JSON, printed on the PDF's last page.
    content = models.JSONField(default=dict, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, help_text=_("SHA-256 of the PDF bytes."))
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the render until then; past it a lost render may be claimed again.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=64,
        blank=True,
        help_text=_(
            "The worker task that holds the lease: its own redelivery (the worker died) may take over."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique_number"),
            # At most one render under way per report.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(status__in=[ReportStatus.QUEUED, ReportStatus.RENDERING]),
                name="reportversion_one_pending",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="reportversion_number_positive"),
            # A ready version always has its file and hash.
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.READY) | (~Q(file="") & ~Q(content_sha256="")),
                name="reportversion_ready_has_file",
            ),
        ]

        indexes = [
            models.Index(
                fields=["lease_expires_at"],
                name="reportversion_rendering_idx",
                condition=Q(status=ReportStatus.RENDERING),
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY

    def get_pdf_url(self) -> str:
        return reverse("reports:version-pdf", args=[self.report_id, self.number])
