from django.contrib import admin

from .models import (
    SLA,
    BusinessCalendar,
    CalendarException,
    KpiSnapshot,
    KpiTarget,
    SLATarget,
    TaskClock,
    WorkingInterval,
)
from .services import calendar_changed


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdiv")
    list_filter = ("time_zone", "holiday_country")
    search_fields = ("name",)
    inlines = [WorkingIntervalInline, CalendarExceptionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # New hours or dates change every business-time figure measured on this calendar.
            jobs = calendar_changed(calendar=form.instance, actor=request.user)
            if jobs:
                self.message_user(request, f"Re-measuring the SLA clocks of {len(jobs)} engagement(s).")


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


class KpiTargetInline(admin.TabularInline):
    model = KpiTarget
    extra = 0


@admin.register(SLA)
class SLAAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "calendar",
        "effective_from",
        "effective_until",
        "warning_threshold",
        "sampling_rate",
    )
    list_filter = ("calendar",)
    search_fields = ("name",)
    inlines = [SLATargetInline, KpiTargetInline]


@admin.register(TaskClock)
class TaskClockAdmin(admin.ModelAdmin):
    list_display = ("task", "kind", "state", "elapsed_seconds", "target_seconds", "due_at", "computed_at")
    list_filter = ("kind", "state")
    search_fields = ("task__title",)
    raw_id_fields = ("task", "sla")


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "engagement",
        "kpi",
        "period_kind",
        "period_start",
        "numerator",
        "denominator",
        "value",
        "target",
        "status",
        "service_credit",
    )
    list_filter = ("kpi", "status", "period_kind")
    search_fields = ("engagement__title",)
    list_select_related = ("engagement",)
    date_hierarchy = "period_start"
