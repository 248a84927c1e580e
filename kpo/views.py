"""Project-level pages: the role dashboard and the health check.

The dashboard is one page whose sections follow the viewer's roles (a user may hold several):
client people see their engagements' SLA health, what awaits their review and recent breaches;
provider managers see the clocks closest to breaching, the board in numbers and their team's load;
consultants see their engagements, reports in progress and (brokers) the provider directory.
Every list is read through the selectors and runs a fixed number of queries whatever the data size.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Value, When, Window
from django.http import JsonResponse
from django.shortcuts import render

from engagements.choices import CLOSED_TASK_STATUSES, EngagementStatus, TaskStatus
from engagements.selectors import task_list_for, tasks_visible_to
from engagements.views.engagement import engagement_rows_for, with_task_counts
from kpo.accounts.choices import CLIENT_ROLES, Role
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.events.selectors import inbox_for
from providers.choices import CandidateStage
from providers.selectors import candidates_visible_to, provider_directory_for, team_members_visible_to
from reports.choices import ReportStatus
from reports.selectors import report_list_for
from sla.choices import TICKING_STATES, AlertLevel, ClockKind, ClockState
from sla.models import SlaAlert, TaskClock
from sla.sampling import sample_awaiting_review
from sla.selectors import attach_row_clocks

OPEN_STATUSES = [TaskStatus.READY, TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD, TaskStatus.REWORK_REQUESTED]
DASHBOARD_ENGAGEMENTS = 8
DASHBOARD_TASKS = 10
DASHBOARD_BREACHES = 6
DASHBOARD_DIRECTORY = 6
# The board's columns as the provider manager's summary shows them (drafts are the client's).
BOARD_SUMMARY_STATUSES = [
    TaskStatus.READY,
    TaskStatus.IN_PROGRESS,
    TaskStatus.ON_HOLD,
    TaskStatus.REWORK_REQUESTED,
    TaskStatus.DELIVERED,
]


def _task_stats(user) -> dict:
    """Headline counts over the viewer's tasks, in one query. Clock states come as `pk IN (clocks in that
    state)` (few rows, read through the state index), so no join multiplies the tasks."""
    open_q = Q(status__in=OPEN_STATUSES)

    def in_state(state):
        return Q(pk__in=TaskClock.objects.filter(state=state).values("task_id"))

    return (
        tasks_visible_to(user)
        .order_by()
        .aggregate(
            open=Count("pk", filter=open_q),
            awaiting=Count("pk", filter=Q(status=TaskStatus.DELIVERED)),
            unassigned=Count("pk", filter=open_q & Q(assignee__isnull=True)),
            at_risk=Count("pk", filter=open_q & in_state(ClockState.AT_RISK)),
            breached=Count("pk", filter=~Q(status__in=CLOSED_TASK_STATUSES) & in_state(ClockState.BREACHED)),
        )
    )


def _needs_attention(user, *, assigned_to_me: bool = False):
    """Open tasks, the clock closest to breaching first (tasks without a ticking clock after, by priority)."""
    tasks = task_list_for(user).select_related("engagement__provider", "engagement__client")
    if assigned_to_me:
        tasks = tasks.filter(assignee__user=user)
    tasks = (
        tasks.filter(status__in=OPEN_STATUSES)
        .annotate(next_due=Min("clocks__due_at", filter=Q(clocks__state__in=TICKING_STATES)))
        .order_by(F("next_due").asc(nulls_last=True), "priority", "created_at", "pk")
    )
    return attach_row_clocks(tasks[:DASHBOARD_TASKS])


# Which breach a task's row shows when several of its clocks breached: the one about finishing the work.
_BREACH_WEIGHT = {ClockKind.REWORK: 0, ClockKind.RESOLUTION: 1, ClockKind.RESPONSE: 2}


def _recent_breaches(user) -> list[SlaAlert]:
    """The tasks breached most recently, one row each (its worst breached clock): one query."""
    breaches = SlaAlert.objects.filter(
        level=AlertLevel.BREACHED, task__in=tasks_visible_to(user).values("pk")
    )
    recent_tasks = (
        breaches.values("task").annotate(last=Max("raised_at")).order_by("-last", "-task").values("task")
    )[:DASHBOARD_BREACHES]
    worst: dict[int, SlaAlert] = {}
    last: dict = {}
    for alert in breaches.filter(task__in=recent_tasks).select_related("task__engagement__provider"):
        seen = last.get(alert.task_id)
        last[alert.task_id] = max(seen, alert.raised_at) if seen else alert.raised_at
        current = worst.get(alert.task_id)
        rank = (_BREACH_WEIGHT.get(alert.clock_kind, 9), -alert.raised_at.timestamp())
        if current is None or rank < (
            _BREACH_WEIGHT.get(current.clock_kind, 9),
            -current.raised_at.timestamp(),
        ):
            worst[alert.task_id] = alert
    return sorted(worst.values(), key=lambda a: (last[a.task_id], a.task_id), reverse=True)


def _team_workload(user, organisation) -> list:
    """The provider's active team members with their open, at-risk and breached task counts, busiest first."""
    members = team_members_visible_to(user).filter(provider__organisation=organisation, is_active=True)
    open_q = Q(tasks__status__in=OPEN_STATUSES)
    rows = list(
        members.annotate(
            open_count=Count("tasks", filter=open_q, distinct=True),
            at_risk_count=Count(
                "tasks", filter=open_q & Q(tasks__clocks__state=ClockState.AT_RISK), distinct=True
            ),
            breached_count=Count(
                "tasks", filter=open_q & Q(tasks__clocks__state=ClockState.BREACHED), distinct=True
            ),
        ).order_by("-open_count", "full_name")[:12]
    )
    busiest = max((m.open_count for m in rows), default=0)
    for member in rows:
        member.load_max = max(busiest, 1)
    return rows


def _board_summary(user) -> list[dict]:
    counts = dict(
        tasks_visible_to(user)
        .filter(status__in=BOARD_SUMMARY_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [
        {"status": status, "label": TaskStatus(status).label, "count": counts.get(status, 0)}
        for status in BOARD_SUMMARY_STATUSES
    ]


@login_required
def home(request):
    """The dashboard of the viewer's roles."""
    user = request.user
    roles = user_roles(user)
    operator = is_operator(user)
    organisation = user_organisation(user)
    is_client = bool(roles & CLIENT_ROLES)
    is_manager = Role.PROVIDER_MANAGER in roles
    is_provider_analyst = Role.PROVIDER_ANALYST in roles and not is_manager
    is_consultant = bool(
        roles
        & {
            Role.CONSULTANT_EXECUTIVE,
            Role.CONSULTANT_ANALYST,
            Role.CONSULTANT_BROKER,
            Role.CONSULTANT_RECRUITER,
        }
    )

    shown = with_task_counts(
        engagement_rows_for(user).annotate(total_count=Window(Count("pk")))[:DASHBOARD_ENGAGEMENTS]
    )
    context = {
        "roles": sorted(str(Role(r).label) for r in roles),
        "organisation": organisation,
        "is_operator": operator,
        "is_client": is_client,
        "is_manager": is_manager,
        "is_provider_analyst": is_provider_analyst,
        "is_consultant": is_consultant,
        "engagements": shown,
        # The window count is evaluated before LIMIT: the total comes with the rows, no second query.
        "engagement_total": shown[0].total_count if shown else 0,
        "notifications": list(inbox_for(user)[:5]),
        "active_status": EngagementStatus.ACTIVE,
    }
    if is_client or is_manager or is_provider_analyst or operator:
        context["stats"] = _task_stats(user)
    if is_client:
        context["awaiting_review"] = attach_row_clocks(
            task_list_for(user)
            .select_related("engagement__provider")
            .filter(status=TaskStatus.DELIVERED)
            .order_by("updated_at", "pk")[:DASHBOARD_TASKS]
        )
    if roles & {Role.CLIENT_SME, Role.CLIENT_ADMIN} or operator:
        context["sample_queue"] = attach_row_clocks(sample_awaiting_review(user)[:DASHBOARD_TASKS])
    if is_client or is_manager or operator:
        context["breaches"] = _recent_breaches(user)
    if is_manager or is_provider_analyst or operator:
        context["attention"] = _needs_attention(user, assigned_to_me=is_provider_analyst)
    if is_manager:
        context["board_summary"] = _board_summary(user)
        if organisation is not None:
            context["workload"] = _team_workload(user, organisation)
    if roles & {Role.CONSULTANT_ANALYST, Role.CONSULTANT_EXECUTIVE} or operator:
        context["reports"] = list(
            report_list_for(user).exclude(status=ReportStatus.READY)[:DASHBOARD_ENGAGEMENTS]
        )
    if Role.CONSULTANT_BROKER in roles:
        context["providers"] = list(provider_directory_for(user)[:DASHBOARD_DIRECTORY])
    if Role.CONSULTANT_RECRUITER in roles:
        context["candidates"] = list(
            candidates_visible_to(user)
            .select_related("provider")
            # The pipeline's order (sourced -> hired, then rejected), not the codes' alphabetical one.
            .annotate(
                stage_rank=Case(
                    *(
                        When(stage=value, then=Value(rank))
                        for rank, value in enumerate(CandidateStage.values)
                    ),
                    default=Value(len(CandidateStage.values)),
                    output_field=IntegerField(),
                )
            )
            .order_by("stage_rank", "full_name")[:10]
        )
    return render(request, "dashboard/home.html", context)


def healthz(request):
    """Liveness and database reachability, for docker-compose and load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
