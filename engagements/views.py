"""Engagement and task pages: thin, permission-scoped through the selectors (another tenant's id is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kpo.core.exceptions import ApplicationError
from reports.selectors import reports_visible_to
from sla.sampling import sampling_overview
from sla.selectors import engagement_kpi_months, latest_clock_job, task_clock_views, with_clocks

from .choices import TASK_TRANSITIONS, TaskStatus
from .forms import CommentForm, TaskTransitionForm
from .models import EngagementConsultant
from .selectors import (
    comments_visible_to,
    engagement_roles,
    engagements_visible_to,
    task_list_for,
    tasks_visible_to,
)
from .services import comment_add, task_transition, task_transitions_available

TASKS_PER_PAGE = 50


@login_required
def engagement_detail(request, pk: int):
    engagement = get_object_or_404(
        engagements_visible_to(request.user).select_related(
            "client", "provider", "service_line", "sla__calendar"
        ),
        pk=pk,
    )
    tasks = with_clocks(
        task_list_for(request.user).filter(engagement=engagement).order_by("-updated_at", "-id")
    )
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "engagement": engagement,
        "roles": engagement_roles(request.user, engagement),
        "consultants": EngagementConsultant.objects.filter(engagement=engagement).select_related("user"),
        "sla_targets": engagement.sla.targets.all() if engagement.sla else [],
        "page": page,
        "reports": reports_visible_to(request.user).filter(engagement=engagement).select_related("author"),
        "comments": comments_visible_to(request.user)
        .filter(engagement=engagement, task__isnull=True)
        .select_related("author")
        .order_by("-created_at")[:20],
        "comment_form": CommentForm(),
        "clock_job": latest_clock_job(engagement),
        "kpi_months": engagement_kpi_months(engagement),
        "sampling": sampling_overview(engagement) if engagement.sla_id else None,
    }
    return render(request, "engagements/engagement_detail.html", context)


@login_required
def task_detail(request, pk: int):
    task = get_object_or_404(
        tasks_visible_to(request.user).select_related(
            "engagement__client", "engagement__provider", "assignee"
        ),
        pk=pk,
    )
    return _render_task(request, task, TaskTransitionForm(initial={"version": task.version}))


def _render_task(request, task, transition_form, status=200, transition_error=""):
    context = {
        "transition_error": transition_error,
        "clocks": task_clock_views(task),
        "task": task,
        "events": task.events.select_related("actor").order_by("occurred_at", "id"),
        "deliverables": task.deliverables.select_related("uploaded_by"),
        "comments": task.comments.select_related("author").order_by("created_at"),
        "reviews": task.reviews.select_related("reviewer").prefetch_related("defects"),
        "next_statuses": [TaskStatus(s) for s in task_transitions_available(task=task, actor=request.user)],
        "is_closed": not TASK_TRANSITIONS.get(task.status),
        "transition_form": transition_form,
        "comment_form": CommentForm(),
    }
    return render(request, "engagements/task_detail.html", context, status=status)


@login_required
@require_POST
def task_transition_view(request, pk: int):
    task = get_object_or_404(
        tasks_visible_to(request.user).select_related(
            "engagement__client", "engagement__provider", "assignee"
        ),
        pk=pk,
    )
    form = TaskTransitionForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, form, status=400)
    try:
        task_transition(
            task=task,
            to=form.cleaned_data["to"],
            actor=request.user,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        task.refresh_from_db()
        # A fresh form carries the current version, so the retry after reading the message works.
        fresh = TaskTransitionForm(initial={"version": task.version})
        return _render_task(request, task, fresh, status=error.status_code, transition_error=error.message)
    messages.success(request, f"Task moved to “{TaskStatus(task.status).label}”.")
    return redirect(task)


@login_required
@require_POST
def comment_create(request, pk: int):
    engagement = get_object_or_404(engagements_visible_to(request.user), pk=pk)
    task = None
    if request.POST.get("task"):
        task_id = request.POST["task"].strip()
        if not task_id.isascii() or not task_id.isdigit():
            return HttpResponseBadRequest("The task must be given by its number.")
        task = get_object_or_404(tasks_visible_to(request.user), pk=int(task_id), engagement=engagement)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(engagement=engagement, author=request.user, body=form.cleaned_data["body"], task=task)
            messages.success(request, "Comment posted.")
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect(task or engagement)
