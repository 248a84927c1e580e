"""Task pages: thin, permission-scoped through the selectors (another tenant's id is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kpo.core.exceptions import ApplicationError
from sla.selectors import task_clock_views

from ..choices import TASK_TRANSITIONS, TaskStatus
from ..forms import CommentForm, TaskTransitionForm
from ..selectors import (
    tasks_visible_to,
)
from ..services import task_transition, task_transitions_available


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
