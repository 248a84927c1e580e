"""Project-level pages: the role home page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render

from engagements.choices import TaskStatus
from engagements.selectors import engagement_list_for, task_list_for
from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.events.selectors import inbox_for
from providers.selectors import candidates_visible_to, may_browse_directory, provider_directory_for
from reports.selectors import report_list_for
from sla.sampling import sample_awaiting_review
from sla.selectors import with_clocks

OPEN_STATUSES = [TaskStatus.READY, TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD, TaskStatus.REWORK_REQUESTED]
HOME_LIST_SIZE = 25


@login_required
def home(request):
    """What this user may see, by role: a plain list of their world (the full interface comes later)."""
    user = request.user
    roles = user_roles(user)
    engagements = engagement_list_for(user).annotate(
        open_task_count=Count("tasks", filter=Q(tasks__status__in=OPEN_STATUSES)),
        awaiting_review_count=Count("tasks", filter=Q(tasks__status=TaskStatus.DELIVERED)),
    )
    context = {
        "roles": sorted(Role(r).label for r in roles),
        "organisation": user_organisation(user),
        "is_operator": is_operator(user),
        "engagements": engagements[:HOME_LIST_SIZE],
        "engagement_total": engagements.count(),
        "notifications": list(inbox_for(user)[:5]),
    }
    if roles & {Role.CLIENT_SME, Role.CLIENT_ADMIN}:
        context["sample_queue"] = list(sample_awaiting_review(user)[:HOME_LIST_SIZE])
        context["awaiting_review"] = list(
            with_clocks(task_list_for(user).filter(status=TaskStatus.DELIVERED))[:HOME_LIST_SIZE]
        )
    if roles & {Role.PROVIDER_MANAGER, Role.PROVIDER_ANALYST} or is_operator(user):
        context["open_tasks"] = list(
            with_clocks(task_list_for(user))
            .filter(status__in=OPEN_STATUSES)
            .order_by("priority", "updated_at")[:HOME_LIST_SIZE]
        )
    if roles & {Role.CONSULTANT_ANALYST, Role.CONSULTANT_EXECUTIVE} or is_operator(user):
        context["reports"] = list(report_list_for(user)[:HOME_LIST_SIZE])
    if may_browse_directory(user):
        context["providers"] = list(provider_directory_for(user)[:HOME_LIST_SIZE])
    if Role.CONSULTANT_RECRUITER in roles or Role.PROVIDER_MANAGER in roles:
        context["candidates"] = list(
            candidates_visible_to(user)
            .select_related("provider")
            .order_by("stage", "full_name")[:HOME_LIST_SIZE]
        )
    return render(request, "home.html", context)


def healthz(request):
    """Liveness and database reachability, for docker-compose and load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
