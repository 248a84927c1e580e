from django.contrib import admin

from .models import Finding, Recommendation, RecommendationReport, ReportBranding, ReportVersion


class FindingInline(admin.StackedInline):
    model = Finding
    extra = 0


class RecommendationInline(admin.StackedInline):
    model = Recommendation
    extra = 0
    filter_horizontal = ("supporting_findings",)


class ReportVersionInline(admin.TabularInline):
    model = ReportVersion
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "status",
        "content_sha256",
        "file_sha256",
        "file",
        "file_size",
        "page_count",
        "render_ms",
        "error",
        "attempts",
        "lease_expires_at",
        "created_by",
        "created_at",
        "finished_at",
    )

    def has_add_permission(self, request, obj=None):
        return False  # versions are immutable renders


@admin.register(RecommendationReport)
class RecommendationReportAdmin(admin.ModelAdmin):
    list_display = ("title", "engagement", "author", "status", "period_start", "period_end", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "executive_summary", "engagement__title")
    list_select_related = ("engagement", "author")
    raw_id_fields = ("engagement", "author")
    inlines = [FindingInline, RecommendationInline, ReportVersionInline]


@admin.register(ReportBranding)
class ReportBrandingAdmin(admin.ModelAdmin):
    list_display = ("engagement", "prepared_by", "accent_colour")
    raw_id_fields = ("engagement",)
