"""Engagement pages: thin, permission-scoped through the selectors (another tenant's id is a 404).

Both pages run a fixed number of queries whatever the number of tasks, events or reports: lists are
paginated or capped, related rows come with select_related / prefetch, counts are aggregates.
"""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kpo.core.charts import Series, kpi_chart_svg
from kpo.core.exceptions import ApplicationError
from kpo.core.htmx import is_htmx, render_partial_or_page
from kpo.core.models import choice_labels
from kpo.core.querystrings import without_blank_fields
from reports.selectors import reports_visible_to
from sla.choices import Kpi
from sla.models import SLATarget
from sla.selectors import attach_row_clocks, latest_clock_job, monthly_kpi_rows, sla_target_rows

from ..choices import TaskStatus
from ..filters import EngagementFilter, with_health
from ..forms import CommentForm
from ..models import EngagementConsultant
from ..selectors import (
    AUDIT_TRAIL_ITEMS,
    PreparedScopedRead,
    capped_count,
    capped_status_counts,
    comments_visible_to,
    engagement_audit_rows,
    engagement_consultant_rows,
    engagement_list_for,
    engagements_visible_to,
    person,
    reviews_visible_to,
    task_events_visible_to,
    task_list_for,
    tasks_visible_to,
    time_entries_visible_to,
)
from ..services import comment_add

TASKS_PER_PAGE = 20
ENGAGEMENTS_PER_PAGE = 25
# The activity feed's length: each of its sources (events, comments, the audit trail) reads as many.
ACTIVITY_ITEMS = AUDIT_TRAIL_ITEMS
# Task counts stop here ("1,000+"): counting an engagement's 200,000 tasks would cost more than the page.
COUNT_CAP = 1000
OPEN_STATUSES = [TaskStatus.READY, TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD, TaskStatus.REWORK_REQUESTED]
CHARTED_KPIS = (Kpi.RESPONSE_COMPLIANCE, Kpi.RESOLUTION_COMPLIANCE, Kpi.ACCURACY)


def engagement_rows_for(user):
    """The viewer's engagements for a list, each with its SLA health (see `with_task_counts` for counts)."""
    return with_health(engagement_list_for(user))


def with_task_counts(engagements) -> list:
    """Set `open_task_count` and `awaiting_review_count` on a page of engagements, in one query, each count
    bounded: at most COUNT_CAP index entries are read per engagement and count (`*_capped` says the count
    stopped there, shown as "1,000+"), so a page costs the same with 200 tasks or 200,000 an engagement."""
    engagements = list(engagements)
    if not engagements:
        return engagements
    counts = capped_status_counts(
        [e.pk for e in engagements],
        {"open": OPEN_STATUSES, "awaiting": [TaskStatus.DELIVERED]},
        cap=COUNT_CAP,
    )
    for engagement in engagements:
        found = counts.get(engagement.pk, {})
        engagement.open_task_count = found.get("open", 0)
        engagement.open_task_capped = engagement.open_task_count >= COUNT_CAP
        engagement.awaiting_review_count = found.get("awaiting", 0)
        engagement.awaiting_review_capped = engagement.awaiting_review_count >= COUNT_CAP
    return engagements


# --- the list ----------------------------------------------------------------------------------


@login_required
def engagement_list(request):
    """Search and filter the viewer's engagements (EngagementFilter), 25 a page; htmx swaps the results."""
    engagement_filter = EngagementFilter(
        without_blank_fields(request.GET) or None, queryset=engagement_rows_for(request.user), request=request
    )
    status = 200
    if engagement_filter.is_bound and not engagement_filter.is_valid():
        # An unknown choice (e.g. another tenant's provider id) is a form error and an empty list.
        engagements = engagement_filter.queryset.none()
        status = 400
    else:
        engagements = engagement_filter.qs
    page = Paginator(engagements, ENGAGEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    active_filters = [
        name
        for name in ("q", "status", "provider", "service_line", "health")
        if request.GET.get(name, "").strip()
    ]
    context = {
        "filter": engagement_filter,
        "form": engagement_filter.form,
        "page": page,
        "engagements": with_task_counts(page.object_list),
        "active_filters": active_filters,
    }
    return render_partial_or_page(
        request,
        "engagements/engagement_list.html",
        "engagements/_engagement_results.html",
        context,
        status=status,
    )


# --- the detail --------------------------------------------------------------------------------


# The task counts an engagement page shows, each bounded (see `_visible_engagement`).
TASK_COUNTS = {
    "total": lambda tasks: tasks,
    "open": lambda tasks: tasks.filter(status__in=OPEN_STATUSES),
    "awaiting": lambda tasks: tasks.filter(status=TaskStatus.DELIVERED),
}


def _visible_engagement(user, pk: int):
    """The engagement if the user may see it (else 404), with its SLA health and the counts of its tasks
    the user may see, in one query: `task_counts` holds the total, open and awaiting-review counts, each
    bounded (at most COUNT_CAP index entries are read; `capped` names those that stopped there)."""
    tasks = tasks_visible_to(user).filter(engagement_id=pk)
    engagement = get_object_or_404(
        with_health(engagements_visible_to(user))
        .select_related("client", "provider", "service_line", "sla__calendar")
        .annotate(
            **{
                f"kpo_{name}_tasks": capped_count(scope(tasks), cap=COUNT_CAP)
                for name, scope in TASK_COUNTS.items()
            }
        ),
        pk=pk,
    )
    counts: dict = {name: getattr(engagement, f"kpo_{name}_tasks") for name in TASK_COUNTS}
    counts["capped"] = {name for name, n in counts.items() if n >= COUNT_CAP}
    engagement.task_counts = counts
    return engagement


def _month_label(day: date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "M Y")


def kpi_chart(engagement, snapshots: list[dict], kpi_targets: dict) -> str | None:
    """The compliance KPIs over the months as a server-rendered SVG line chart (None without snapshots);
    `snapshots` are rows of sla.selectors.CHART_SNAPSHOT_VALUES."""
    months = sorted({s["period_start"] for s in snapshots})
    if not months:
        return None
    by_key = {(s["kpi"], s["period_start"]): s["value"] for s in snapshots}
    labels = [_month_label(month) for month in months]
    series = []
    for kpi in CHARTED_KPIS:
        points = []
        for month, label in zip(months, labels, strict=True):
            value = by_key.get((kpi, month))
            points.append((label, float(value) * 100 if value is not None else None))
        series.append(Series(str(Kpi(kpi).label), points))
    target = kpi_targets.get(Kpi.RESOLUTION_COMPLIANCE)
    values = [v for s in series for _label, v in s.points if v is not None]
    low = min([*values, float(target) * 100 if target is not None else 100.0, 100.0])
    return kpi_chart_svg(
        series,
        target=float(target) * 100 if target is not None else None,
        target_label=_("On-time target"),
        y_range=(max(0.0, (low // 10) * 10 - 10), 100.0),
        unit="%",
        width=720,
        height=260,
        title=_("SLA compliance by month: %(engagement)s") % {"engagement": engagement.title},
        description=_("Monthly response compliance, on-time resolution and sampled accuracy, in percent."),
    )


def _spend(user, engagement) -> dict:
    """Effort logged on the engagement's (visible) tasks, priced at each entry's rate-card snapshot, per
    currency, against the budget. Amounts in another currency than the budget's are shown apart and never
    converted (no exchange rate is agreed on the engagement; a report states the one it uses)."""
    rows = _SPEND_BY_CURRENCY(user, engagement_id=engagement.pk)
    by_currency = [
        {
            "currency": row["currency"],
            "hours": row["total_hours"] or Decimal("0"),
            "amount": (row["total_amount"] or Decimal("0")).quantize(Decimal("0.01")),
        }
        for row in rows
    ]
    same = next((row for row in by_currency if row["currency"] == engagement.currency), None)
    spent = same["amount"] if same else Decimal("0.00")
    hours = sum((row["hours"] for row in by_currency), start=Decimal("0"))
    budget = engagement.budget or Decimal("0")
    in_house = None
    client = engagement.client
    if same and client.currency == engagement.currency and client.in_house_hourly_cost:
        in_house = (same["hours"] * client.in_house_hourly_cost).quantize(Decimal("0.01"))
    return {
        "hours": hours,
        "spent": spent,
        "budget": budget,
        "comparable": same is not None or not by_currency,
        "other_currencies": [row for row in by_currency if row["currency"] != engagement.currency],
        "remaining": budget - spent,
        "percent": int(round(100 * spent / budget)) if budget else None,
        "over": bool(budget) and spent > budget,
        "in_house": in_house,
        "savings": (in_house - spent) if in_house is not None else None,
    }


# Human labels of the engagement's audit actions (the activity feed never shows the raw codes).
AUDIT_ACTION_LABELS = {
    "engagement.created": gettext_lazy("created the engagement"),
    "engagement.terms_changed": gettext_lazy("changed the terms"),
    "engagement.status_changed": gettext_lazy("changed the engagement status"),
    "engagement.consultant_attached": gettext_lazy("attached a consultant"),
    "engagement.consultant_detached": gettext_lazy("detached a consultant"),
    "engagement.sla_changed": gettext_lazy("changed the SLA"),
    "clocks.recompute_requested": gettext_lazy("asked for the SLA clocks to be recomputed"),
    "kpis.recompute_requested": gettext_lazy("asked for the KPIs to be recomputed"),
}


def audit_action_label(action: str) -> str:
    """The translated label of an audit action; an unknown code reads as words ("foo.bar_baz" -> "foo bar baz")."""
    label = AUDIT_ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    return action.replace(".", " ").replace("_", " ").strip()


# The task table's columns (kpo_ui.task_rows) and its order; not the specification or acceptance criteria.
TASK_ROW_FIELDS = ("engagement", "title", "priority", "status", "updated_at")


# The feed and the side lists are read as plain values, only the columns they show: a linked task or
# person is its id and title or name. Model instances (three per row with their linked task and person)
# cost a row more Python than its SQL; nothing on the page calls a model method on them.
EVENT_VALUES = ("kind", "occurred_at", "from_status", "to_status", "from_value", "to_value", "note")
EVENT_VALUES += ("task_id", "task__title", *person("actor"))
COMMENT_VALUES = ("body", "created_at", "task_id", "task__title", *person("author"))
REVIEW_VALUES = ("outcome", "accuracy_score", "reviewed_at", "task_id", "task__title", *person("reviewer"))
REPORT_VALUES = ("id", "title", "status", "updated_at", *person("author"))


# The page's reads of what the viewer may see of the engagement, prepared (see PreparedScopedRead): the
# same querysets every time, whose building and compiling cost more than the reads themselves.
_RECENT_EVENTS = PreparedScopedRead(
    # Every event bumps its task's version and updated_at, so the newest events belong to the most
    # recently updated tasks: read those few tasks' histories instead of sorting the engagement's.
    lambda user, engagement_id: (
        task_events_visible_to(user)
        .filter(
            task_id__in=tasks_visible_to(user)
            .filter(engagement_id=engagement_id)
            .order_by("-updated_at", "-id")
            .values("pk")[:ACTIVITY_ITEMS]
        )
        .order_by("-occurred_at", "-id")
        .values(*EVENT_VALUES)[:ACTIVITY_ITEMS]
    ),
    engagement_id=int,
)
_RECENT_COMMENTS = PreparedScopedRead(
    lambda user, engagement_id: (
        comments_visible_to(user)
        .filter(engagement_id=engagement_id)
        .order_by("-created_at", "-id")
        .values(*COMMENT_VALUES)[:ACTIVITY_ITEMS]
    ),
    engagement_id=int,
)
_RECENT_REVIEWS = PreparedScopedRead(
    lambda user, engagement_id: (
        reviews_visible_to(user)
        .filter(task__engagement_id=engagement_id)
        .order_by("-reviewed_at")
        .values(*REVIEW_VALUES)[:8]
    ),
    engagement_id=int,
)
_REPORTS = PreparedScopedRead(
    lambda user, engagement_id: (
        reports_visible_to(user)
        .filter(engagement_id=engagement_id)
        .order_by("-updated_at")
        .values(*REPORT_VALUES)
    ),
    engagement_id=int,
)
_SPEND_BY_CURRENCY = PreparedScopedRead(
    lambda user, engagement_id: (
        time_entries_visible_to(user)
        .filter(task__engagement_id=engagement_id)
        .order_by()
        .values("currency")
        .annotate(
            total_hours=Sum("hours"),
            total_amount=Sum(
                ExpressionWrapper(
                    F("hours") * F("hourly_rate"), output_field=DecimalField(max_digits=18, decimal_places=4)
                )
            ),
        )
        .order_by("currency")
    ),
    engagement_id=int,
)


def _activity(user, engagement) -> list[dict]:
    """Task events, comments and audit entries of the engagement, newest first, capped: three queries."""
    events = _RECENT_EVENTS(user, engagement_id=engagement.pk)
    items = [{"kind": "event", "at": event["occurred_at"], "event": event} for event in events]
    comments = _RECENT_COMMENTS(user, engagement_id=engagement.pk)
    items += [{"kind": "comment", "at": comment["created_at"], "comment": comment} for comment in comments]
    items += [
        {
            "kind": "audit",
            "at": entry["occurred_at"],
            "audit": entry,
            "label": audit_action_label(entry["action"]),
        }
        for entry in engagement_audit_rows(engagement)
    ]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:ACTIVITY_ITEMS]


@login_required
def engagement_detail(request, pk: int):
    user = request.user
    engagement = _visible_engagement(user, pk)
    tasks = (
        task_list_for(user)
        .filter(engagement=engagement)
        # Every row is this engagement's: its row is not joined again for each task (see below).
        .select_related(None)
        .select_related("assignee")
        .only(*TASK_ROW_FIELDS, "assignee", "assignee__full_name")
        .order_by("-updated_at", "-id")
    )
    counts = engagement.task_counts
    paginator = Paginator(tasks, TASKS_PER_PAGE)
    # Already counted (up to COUNT_CAP): the paginator need not count again, and pages stop at the cap
    # (the latest-updated tasks; the board's filters reach the others) instead of deep OFFSET scans.
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = attach_row_clocks(page.object_list)
    for task in page.object_list:
        task.engagement = engagement  # the instance already read (with its provider's time zone)
    total_capped = "total" in counts["capped"]
    if is_htmx(request):
        # The task pager swaps only the task card: nothing else is read.
        return render_partial_or_page(
            request,
            "engagements/engagement_detail.html",
            "engagements/_engagement_tasks.html",
            {"engagement": engagement, "page": page, "tasks": page.object_list, "total_capped": total_capped},
        )
    snapshots = monthly_kpi_rows(engagement)
    latest_month = snapshots[0]["period_start"] if snapshots else None
    # Each snapshot stores the target it was measured against: the latest month's are the ones in force.
    kpi_targets = {s["kpi"]: s["target"] for s in snapshots if s["period_start"] == latest_month}
    order = {kpi: i for i, kpi in enumerate(Kpi.values)}
    consultant_roles = choice_labels(EngagementConsultant, "role")
    priorities = choice_labels(SLATarget, "priority")
    context = {
        "engagement": engagement,
        "task_counts": counts,
        "total_capped": total_capped,
        "consultants": [
            {**link, "role_label": consultant_roles.get(link["role"], link["role"])}
            for link in engagement_consultant_rows(engagement)
        ],
        "sla_targets": [
            {**target, "priority_label": priorities.get(target["priority"], target["priority"])}
            for target in sla_target_rows(engagement)
        ],
        "kpi_targets": kpi_targets,
        "page": page,
        "tasks": page.object_list,
        "kpi_chart": kpi_chart(engagement, snapshots, kpi_targets),
        "latest_month": latest_month,
        "latest_kpis": sorted(
            (s for s in snapshots if s["period_start"] == latest_month), key=lambda s: order.get(s["kpi"], 99)
        ),
        "reviews": _RECENT_REVIEWS(user, engagement_id=engagement.pk),
        "reports": _REPORTS(user, engagement_id=engagement.pk),
        "spend": _spend(user, engagement),
        "activity": _activity(user, engagement),
        "comment_form": CommentForm(),
        "clock_job": latest_clock_job(engagement),
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
            return HttpResponseBadRequest(_("The task must be given by its number."))
        task = get_object_or_404(tasks_visible_to(request.user), pk=int(task_id), engagement=engagement)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(engagement=engagement, author=request.user, body=form.cleaned_data["body"], task=task)
            messages.success(request, _("Comment posted."))
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect(task or engagement)
