"""Report API shapes: output serializers only (authoring happens on the pages)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Finding, Recommendation, RecommendationReport, ReportVersion


class FindingSerializer(serializers.ModelSerializer):
    figure_kind = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "position", "title", "evidence", "figure_kind"]

    def get_figure_kind(self, finding) -> str | None:
        return (finding.figure or {}).get("kind")


class RecommendationSerializer(serializers.ModelSerializer):
    supporting_findings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "position",
            "action",
            "rationale",
            "priority",
            "expected_impact",
            "owner",
            "due_date",
            "supporting_findings",
        ]


class ReportSerializer(serializers.ModelSerializer):
    engagement_title = serializers.CharField(source="engagement.title", read_only=True)
    client = serializers.CharField(source="engagement.client.name", read_only=True)
    author = serializers.SerializerMethodField()
    versions_url = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationReport
        fields = [
            "id",
            "engagement",
            "engagement_title",
            "client",
            "title",
            "period_start",
            "period_end",
            "status",
            "last_error",
            "author",
            "updated_at",
            "versions_url",
        ]

    def get_author(self, report) -> str:
        return (report.author.full_name or report.author.email) if report.author_id else ""

    def get_versions_url(self, report) -> str:
        return reverse("api:report-versions", args=[report.pk])


class ReportDetailSerializer(ReportSerializer):
    findings = FindingSerializer(many=True, read_only=True)
    recommendations = RecommendationSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "executive_summary", "findings", "recommendations"]


class ReportVersionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("This version: poll it until status is ready or failed.")
    )
    pdf_url = serializers.SerializerMethodField(help_text=_("The PDF, once ready; null before."))
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportVersion
        fields = [
            "number",
            "status",
            "error",
            "content_sha256",
            "file_sha256",
            "file_size",
            "page_count",
            "render_ms",
            "created_by",
            "created_at",
            "finished_at",
            "url",
            "pdf_url",
        ]

    def get_url(self, version) -> str:
        return reverse("api:report-version-detail", args=[version.report_id, version.number])

    def get_pdf_url(self, version) -> str | None:
        if not version.is_ready:
            return None
        return reverse("api:report-version-pdf", args=[version.report_id, version.number])

    def get_created_by(self, version) -> str:
        user = version.created_by
        return (user.full_name or user.email) if user else ""


class RenderAcceptedSerializer(serializers.Serializer):
    """The answer to a render request: the version to poll."""

    created = serializers.BooleanField(help_text=_("False when a render already under way was returned."))
    poll_url = serializers.CharField()
    version = ReportVersionSerializer()
