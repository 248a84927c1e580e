from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import (
    Client,
    ClientContact,
    Comment,
    Deliverable,
    Engagement,
    EngagementConsultant,
    QualityReview,
    ReviewDefect,
    Task,
    TaskEvent,
    TimeEntry,
)


class ClientContactInline(admin.TabularInline):
    model = ClientContact
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "industry", "country", "time_zone", "in_house_hourly_cost", "currency")
    list_filter = ("country", "industry")
    search_fields = ("name", "industry")
    inlines = [ClientContactInline]


class EngagementConsultantInline(admin.TabularInline):
    model = EngagementConsultant
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Engagement)
class EngagementAdmin(GuardedModelAdmin):
    list_display = (
        "title",
        "client",
        "provider",
        "service_line",
        "status",
        "start_date",
        "budget",
        "currency",
    )
    list_filter = ("status", "is_proof_of_concept", "service_line", "provider", "client")
    search_fields = ("title", "scope", "client__name", "provider__name")
    list_select_related = ("client", "provider", "service_line")
    date_hierarchy = "start_date"
    inlines = [EngagementConsultantInline]
    autocomplete_fields = ("client", "provider")


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    readonly_fields = (
        "kind",
        "occurred_at",
        "actor",
        "from_status",
        "to_status",
        "from_value",
        "to_value",
        "note",
        "task_version",
    )

    def has_add_permission(self, request, obj=None):
        return False  # events are written by the status machine only


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "engagement", "priority", "status", "assignee", "version", "updated_at")
    list_filter = ("status", "priority", "task_type", "engagement__provider")
    search_fields = ("title", "specification", "engagement__title")
    list_select_related = ("engagement", "assignee")
    # Status and version move only through the status machine, never by hand here.
    readonly_fields = ("status", "version", "created_at", "updated_at")
    raw_id_fields = ("engagement", "assignee", "created_by")
    inlines = [TaskEventInline]


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ("task", "kind", "from_status", "to_status", "actor", "occurred_at")
    list_filter = ("kind", "to_status")
    search_fields = ("task__title", "note")
    list_select_related = ("task", "actor")
    raw_id_fields = ("task", "actor")
    date_hierarchy = "occurred_at"


@admin.register(Deliverable)
class DeliverableAdmin(admin.ModelAdmin):
    list_display = ("__str__", "task", "content_type", "size_bytes", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "url", "task__title")
    raw_id_fields = ("task", "uploaded_by")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("engagement", "task", "author", "created_at")
    search_fields = ("body", "engagement__title")
    raw_id_fields = ("engagement", "task", "author")


class ReviewDefectInline(admin.TabularInline):
    model = ReviewDefect
    extra = 0


@admin.register(QualityReview)
class QualityReviewAdmin(admin.ModelAdmin):
    list_display = ("task", "reviewer", "accuracy_score", "outcome", "reviewed_at")
    list_filter = ("outcome",)
    search_fields = ("task__title", "findings")
    raw_id_fields = ("task", "reviewer")
    inlines = [ReviewDefectInline]


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("task", "team_member", "work_date", "hours", "hourly_rate", "currency")
    list_filter = ("currency", "team_member__provider")
    search_fields = ("task__title", "team_member__full_name", "note")
    raw_id_fields = ("task", "team_member")
    date_hierarchy = "work_date"
