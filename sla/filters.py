"""One FilterSet per list, used by the pages and the API alike."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from engagements.filters import IdFilter

from .choices import ClockKind, ClockState, Kpi, KpiStatus, PeriodKind
from .models import SLA, KpiSnapshot, TaskClock


class SLAFilter(filters.FilterSet):
    engagement = IdFilter(method="filter_engagement", label=_("Engagement"))
    active_on = filters.DateFilter(method="filter_active_on", label=_("In force on this date"))

    class Meta:
        model = SLA
        fields = ["engagement", "active_on"]

    def filter_engagement(self, queryset, name, value):
        return queryset.filter(Q(engagements__id=value) | Q(engagement_id=value)).distinct()

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(effective_from__lte=value).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gt=value)
        )


class TaskClockFilter(filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement = IdFilter(field_name="task__engagement_id", label=_("Engagement"))
    kind = filters.MultipleChoiceFilter(choices=ClockKind.choices, label=_("Kind"))
    state = filters.MultipleChoiceFilter(choices=ClockState.choices, label=_("State"))
    due_before = filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt", label=_("Due before"))

    class Meta:
        model = TaskClock
        fields = ["task", "engagement", "kind", "state", "due_before"]


class KpiSnapshotFilter(filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id", label=_("Engagement"))
    kpi = filters.MultipleChoiceFilter(choices=Kpi.choices, label=_("KPI"))
    period_kind = filters.ChoiceFilter(choices=PeriodKind.choices, label=_("Period kind"))
    status = filters.MultipleChoiceFilter(choices=KpiStatus.choices, label=_("Status"))
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte", label=_("Periods from"))
    period_until = filters.DateFilter(field_name="period_start", lookup_expr="lte", label=_("Periods until"))

    class Meta:
        model = KpiSnapshot
        fields = ["engagement", "kpi", "period_kind", "status", "period_from", "period_until"]
