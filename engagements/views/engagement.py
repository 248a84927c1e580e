"""Engagement pages: thin, permission-scoped through the selectors (another tenant's id is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kpo.core.exceptions import ApplicationError
from reports.selectors import reports_visible_to
from sla.sampling import sampling_overview
from sla.selectors import engagement_kpi_months, latest_clock_job, with_clocks

from ..forms import CommentForm
from ..models import EngagementConsultant
from ..selectors import (
    comments_visible_to,
    engagement_roles,
    engagements_visible_to,
    task_list_for,
    tasks_visible_to,
)
from ..services import comment_add

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
