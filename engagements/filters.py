"""One FilterSet per list, used by the pages and the API alike.

Pass the request (`EngagementFilter(request.GET, queryset=..., request=request)`): the choices of the
foreign-key filters (provider, engagement, assignee) come from the selectors, so naming another tenant's
object is an invalid choice, never a way to learn that it exists.
"""

import functools

from django import forms
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from providers.models import Provider, ServiceLine, TeamMember
from providers.selectors import providers_visible_to, team_members_visible_to
from sla.choices import ClockState, KpiStatus, PeriodKind, Priority
from sla.models import KpiSnapshot, TaskClock

from .choices import CLOSED_TASK_STATUSES, EngagementStatus, ReviewOutcome, TaskEventKind, TaskStatus
from .models import Client, Comment, Deliverable, Engagement, QualityReview, Task, TaskEvent, TimeEntry
from .selectors import engagements_visible_to


class Health:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    CHOICES = [(GREEN, _("Green: on track")), (AMBER, _("Amber: at risk")), (RED, _("Red: breached"))]


def _user(request):
    return getattr(request, "user", None)


def _visible_providers(request) -> QuerySet[Provider]:
    return providers_visible_to(_user(request)) if request is not None else Provider.objects.none()


def _visible_engagements(request) -> QuerySet[Engagement]:
    return engagements_visible_to(_user(request)) if request is not None else Engagement.objects.none()


def _visible_team_members(request) -> QuerySet[TeamMember]:
    return team_members_visible_to(_user(request)) if request is not None else TeamMember.objects.none()


@functools.cache
def _health_sql() -> str:
    """SQL true when the outer engagement row has, in its latest monthly period, a KPI snapshot in status
    %s, or an open (not accepted, not cancelled) task whose clock is in state %s; the closed statuses are
    the last parameters. Written once, as SQL: the same query the ORM would spell with Exists, OuterRef and
    Subquery, without compiling those four subqueries again for every page."""
    engagement = f'"{Engagement._meta.db_table}"."id"'
    snapshot, clock, task = KpiSnapshot._meta.db_table, TaskClock._meta.db_table, Task._meta.db_table
    closed = ", ".join(["%s"] * len(CLOSED_TASK_STATUSES))
    return (
        f"(EXISTS (SELECT 1 FROM {snapshot} k WHERE k.engagement_id = {engagement} AND k.period_kind = %s "  # noqa: S608 (table names; values are parameters)
        "AND k.status = %s AND k.period_start = (SELECT k2.period_start FROM "
        f"{snapshot} k2 WHERE k2.engagement_id = k.engagement_id AND k2.period_kind = %s "
        "ORDER BY k2.period_start DESC LIMIT 1)) "
        f"OR EXISTS (SELECT 1 FROM {clock} c INNER JOIN {task} t ON c.task_id = t.id WHERE c.state = %s "
        f"AND t.engagement_id = {engagement} AND NOT (t.status IN ({closed}))))"
    )


def _health(kpi_status: str, clock_state: str) -> RawSQL:
    params = [PeriodKind.MONTH, kpi_status, PeriodKind.MONTH, clock_state, *CLOSED_TASK_STATUSES]
    return RawSQL(_health_sql(), params, output_field=BooleanField())  # noqa: S611 (parameters)


def with_health(engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Annotate `health_red` and `health_amber` (booleans computed by the database, no per-row Python).

    Red: a breached KPI in the latest monthly period, or a breached clock on an open task.
    Amber: otherwise, the same with "at risk". Green: neither.
    """
    return engagements.annotate(
        health_red=_health(KpiStatus.BREACHED, ClockState.BREACHED),
        health_amber=_health(KpiStatus.AT_RISK, ClockState.AT_RISK),
    )


def engagement_health(engagement) -> str:
    """The health of an engagement annotated by `with_health`."""
    if getattr(engagement, "health_red", False):
        return Health.RED
    if getattr(engagement, "health_amber", False):
        return Health.AMBER
    return Health.GREEN


class EngagementFilter(filters.FilterSet):
    """Engagement list: free text, lifecycle status, provider, service line and SLA health."""

    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Words in the title, client or provider name.")
    )
    status = filters.MultipleChoiceFilter(choices=EngagementStatus.choices, label=_("Status"))
    provider = filters.ModelChoiceFilter(queryset=_visible_providers, label=_("Provider"))
    service_line = filters.ModelChoiceFilter(queryset=ServiceLine.objects.all(), label=_("Service line"))
    health = filters.ChoiceFilter(
        choices=Health.CHOICES,
        method="filter_health",
        label=_("Health"),
        help_text=_("red: a KPI or an open task's clock is breached; amber: at risk; green: neither."),
    )

    class Meta:
        model = Engagement
        fields = ["q", "status", "provider", "service_line", "health"]

    def filter_q(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(client__name__icontains=word) | Q(provider__name__icontains=word)
            )
        return queryset

    def filter_health(self, queryset, name, value):
        if "health_red" not in queryset.query.annotations:
            queryset = with_health(queryset)
        if value == Health.RED:
            return queryset.filter(health_red=True)
        if value == Health.AMBER:
            return queryset.filter(health_red=False, health_amber=True)
        return queryset.filter(health_red=False, health_amber=False)


class TaskFilter(filters.FilterSet):
    """Task board and task list: engagement, status, priority, assignee and free text."""

    engagement = filters.ModelChoiceFilter(queryset=_visible_engagements, label=_("Engagement"))
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, label=_("Priority"))
    assignee = filters.ModelChoiceFilter(
        queryset=_visible_team_members,
        null_label=_("Unassigned"),
        null_value="none",
        label=_("Assignee"),
        help_text=_("A team member id, or “none” for unassigned tasks."),
    )
    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Words in the title, or a task id.")
    )

    class Meta:
        model = Task
        fields = ["engagement", "status", "priority", "assignee", "q"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if value.lstrip("#").isdigit() and len(value) < 18:
            return queryset.filter(Q(pk=int(value.lstrip("#"))) | Q(title__icontains=value))
        for word in value.split()[:8]:
            queryset = queryset.filter(title__icontains=word)
        return queryset


class IdFilter(filters.NumberFilter):
    """An integer id (another tenant's id simply matches nothing: the queryset is already scoped)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class TaskEventFilter(filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement = IdFilter(field_name="task__engagement_id", label=_("Engagement"))
    kind = filters.MultipleChoiceFilter(choices=TaskEventKind.choices, label=_("Kind"))
    to_status = filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("To status"))
    occurred_after = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label=_("From"))
    occurred_before = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = TaskEvent
        fields = ["task", "engagement", "kind", "to_status", "occurred_after", "occurred_before"]


class DeliverableFilter(filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement = IdFilter(field_name="task__engagement_id", label=_("Engagement"))

    class Meta:
        model = Deliverable
        fields = ["task", "engagement"]


class CommentFilter(filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id", label=_("Engagement"))
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement_level = filters.BooleanFilter(
        field_name="task", lookup_expr="isnull", label=_("Only comments on the engagement itself")
    )

    class Meta:
        model = Comment
        fields = ["engagement", "task", "engagement_level"]


class QualityReviewFilter(filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement = IdFilter(field_name="task__engagement_id", label=_("Engagement"))
    outcome = filters.ChoiceFilter(choices=ReviewOutcome.choices, label=_("Outcome"))

    class Meta:
        model = QualityReview
        fields = ["task", "engagement", "outcome"]


class TimeEntryFilter(filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task"))
    engagement = IdFilter(field_name="task__engagement_id", label=_("Engagement"))
    team_member = IdFilter(field_name="team_member_id", label=_("Team member"))
    work_date_from = filters.DateFilter(field_name="work_date", lookup_expr="gte", label=_("From"))
    work_date_until = filters.DateFilter(field_name="work_date", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = TimeEntry
        fields = ["task", "engagement", "team_member", "work_date_from", "work_date_until"]


class ClientFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name contains"))
    country = filters.CharFilter(field_name="country", label=_("Country (ISO code)"))

    class Meta:
        model = Client
        fields = ["q", "country"]
