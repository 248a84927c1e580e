"""SLA shapes (read-only): calendars, SLAs with targets, task clocks, KPI snapshots."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import SLA, BusinessCalendar, CalendarException, KpiSnapshot, KpiTarget, SLATarget, TaskClock


class WorkingIntervalSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text=_("0 = Monday"))
    start = serializers.CharField(source="start_hhmm", help_text=_("HH:MM, local time"))
    end = serializers.CharField(source="end_hhmm")


class CalendarExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarException
        fields = ["date", "kind", "note"]
        read_only_fields = fields


class BusinessCalendarSerializer(serializers.ModelSerializer):
    intervals = WorkingIntervalSerializer(many=True, read_only=True)
    exceptions = CalendarExceptionSerializer(many=True, read_only=True)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "holiday_country", "holiday_subdiv", "intervals", "exceptions"]
        read_only_fields = fields


class SLATargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = ["priority", "response_seconds", "resolution_seconds", "rework_resolution_seconds"]
        read_only_fields = fields


class KpiTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiTarget
        fields = ["kpi", "target"]
        read_only_fields = fields


class SLASerializer(serializers.ModelSerializer):
    targets = SLATargetSerializer(many=True, read_only=True)
    kpi_targets = KpiTargetSerializer(many=True, read_only=True)

    class Meta:
        model = SLA
        fields = [
            "id",
            "name",
            "calendar",
            "engagement",
            "task_type",
            "effective_from",
            "effective_until",
            "warning_threshold",
            "sampling_rate",
            "sampling_minimum_per_week",
            "service_credit_percent",
            "service_credit_cap_percent",
            "targets",
            "kpi_targets",
        ]
        read_only_fields = fields


class TaskClockSerializer(serializers.ModelSerializer):
    engagement = serializers.IntegerField(source="task.engagement_id", read_only=True)

    class Meta:
        model = TaskClock
        fields = [
            "id",
            "task",
            "engagement",
            "kind",
            "state",
            "priority",
            "sla",
            "target_seconds",
            "elapsed_seconds",
            "paused_seconds",
            "started_at",
            "stopped_at",
            "due_at",
            "at_risk_at",
            "computed_at",
        ]
        read_only_fields = fields


class KpiSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshot
        fields = [
            "id",
            "engagement",
            "sla",
            "kpi",
            "period_kind",
            "period_start",
            "period_end",
            "numerator",
            "denominator",
            "value",
            "target",
            "status",
            "service_credit",
            "currency",
        ]
        read_only_fields = fields
