"""SLA API (read-only): every row reached through the engagements the caller may see."""

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from engagements.selectors import tasks_visible_to, visible_engagement_ids
from kpo.accounts.selectors import is_operator
from providers.selectors import providers_visible_to

from ..filters import KpiSnapshotFilter, SLAFilter, TaskClockFilter
from ..models import (
    SLA,
    BusinessCalendar,
    CalendarException,
    KpiSnapshot,
    SLATarget,
    TaskClock,
    WorkingInterval,
)
from . import serializers as s

ID = r"[0-9]{1,18}"


def slas_visible_to(user) -> QuerySet[SLA]:
    """SLAs in force on (or scoped to) an engagement the user may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SLA.objects.none()
    if is_operator(user):
        return SLA.objects.all()
    visible = visible_engagement_ids(user)
    on_engagement = SLA.objects.filter(engagements__in=visible).values("pk")
    return SLA.objects.filter(Q(pk__in=on_engagement) | Q(engagement_id__in=visible))


def calendars_visible_to(user) -> QuerySet[BusinessCalendar]:
    """Calendars of visible SLAs and the default calendars of visible providers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return BusinessCalendar.objects.none()
    if is_operator(user):
        return BusinessCalendar.objects.all()
    return BusinessCalendar.objects.filter(
        Q(pk__in=slas_visible_to(user).values("calendar_id"))
        | Q(pk__in=providers_visible_to(user).values("default_calendar_id"))
    )


def task_clocks_visible_to(user) -> QuerySet[TaskClock]:
    return TaskClock.objects.filter(task__in=tasks_visible_to(user).values("pk"))


def kpi_snapshots_visible_to(user) -> QuerySet[KpiSnapshot]:
    return KpiSnapshot.objects.filter(engagement_id__in=visible_engagement_ids(user))


def _page(item):
    return OpenApiExample(
        "Page", value={"count": 1, "next": None, "previous": None, "results": [item]}, response_only=True
    )


def _one(item):
    return OpenApiExample("One", value=item, response_only=True)


CALENDAR = {
    "id": 1,
    "name": "Prism Pune",
    "time_zone": "Asia/Kolkata",
    "holiday_country": "IN",
    "holiday_subdiv": "",
    "intervals": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
    "exceptions": [{"date": "2025-08-15", "kind": "closed", "note": "Independence Day"}],
}
SLA_EXAMPLE = {
    "id": 2,
    "name": "Prism standard SLA",
    "calendar": 1,
    "engagement": None,
    "task_type": "",
    "effective_from": "2025-01-01",
    "effective_until": None,
    "warning_threshold": "0.800",
    "sampling_rate": "0.100",
    "sampling_minimum_per_week": 1,
    "service_credit_percent": "2.00",
    "service_credit_cap_percent": "10.00",
    "targets": [
        {
            "priority": "P1",
            "response_seconds": 3600,
            "resolution_seconds": 28800,
            "rework_resolution_seconds": 14400,
        }
    ],
    "kpi_targets": [{"kpi": "accuracy", "target": "0.9500"}],
}
CLOCK = {
    "id": 9,
    "task": 42,
    "engagement": 7,
    "kind": "resolution",
    "state": "at_risk",
    "priority": "P2",
    "sla": 2,
    "target_seconds": 57600,
    "elapsed_seconds": 48000,
    "paused_seconds": 0,
    "started_at": "2025-06-02T09:15:00Z",
    "stopped_at": None,
    "due_at": "2025-06-05T11:30:00Z",
    "at_risk_at": "2025-06-04T15:00:00Z",
    "computed_at": "2025-06-04T15:00:02Z",
}
SNAPSHOT = {
    "id": 4,
    "engagement": 7,
    "sla": 2,
    "kpi": "resolution_compliance",
    "period_kind": "month",
    "period_start": "2025-05-01",
    "period_end": "2025-06-01",
    "numerator": "46.0000",
    "denominator": "50.0000",
    "value": "0.920000",
    "target": "0.9500",
    "status": "breached",
    "service_credit": "240.00",
    "currency": "EUR",
}


@extend_schema_view(
    list=extend_schema(summary="Business calendars you may see", examples=[_page(CALENDAR)], tags=["sla"]),
    retrieve=extend_schema(summary="One business calendar", examples=[_one(CALENDAR)], tags=["sla"]),
)
class BusinessCalendarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.BusinessCalendarSerializer
    lookup_value_regex = ID
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return calendars_visible_to(self.request.user).prefetch_related(
            Prefetch("intervals", queryset=WorkingInterval.objects.order_by("weekday", "start_minute")),
            Prefetch("exceptions", queryset=CalendarException.objects.order_by("date")),
        )


@extend_schema_view(
    list=extend_schema(summary="SLAs and their targets", examples=[_page(SLA_EXAMPLE)], tags=["sla"]),
    retrieve=extend_schema(summary="One SLA", examples=[_one(SLA_EXAMPLE)], tags=["sla"]),
)
class SLAViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.SLASerializer
    filterset_class = SLAFilter
    lookup_value_regex = ID
    ordering_fields = ["name", "effective_from", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return slas_visible_to(self.request.user).prefetch_related(
            Prefetch("targets", queryset=SLATarget.objects.order_by("priority")), "kpi_targets"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Stored SLA clocks of tasks you may see (for live elapsed time: /tasks/{id}/clocks/)",
        examples=[_page(CLOCK)],
        tags=["sla"],
    ),
    retrieve=extend_schema(summary="One task clock", examples=[_one(CLOCK)], tags=["sla"]),
)
class TaskClockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TaskClockSerializer
    filterset_class = TaskClockFilter
    lookup_value_regex = ID
    ordering_fields = ["due_at", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return task_clocks_visible_to(self.request.user).select_related("task")


@extend_schema_view(
    list=extend_schema(
        summary="KPI snapshots of engagements you may see", examples=[_page(SNAPSHOT)], tags=["sla"]
    ),
    retrieve=extend_schema(summary="One KPI snapshot", examples=[_one(SNAPSHOT)], tags=["sla"]),
)
class KpiSnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.KpiSnapshotSerializer
    filterset_class = KpiSnapshotFilter
    lookup_value_regex = ID
    ordering_fields = ["period_start", "id"]
    ordering = ["-period_start", "kpi", "id"]

    def get_queryset(self):
        return kpi_snapshots_visible_to(self.request.user)
