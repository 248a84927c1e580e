"""SLA pages: the compliance exports (CSV, streamed) and asking for a KPI recomputation.

Thin: parse the query, fetch the engagement through the permission-scoped selector (another tenant's is
a 404), call sla.exports or sla.kpis. A malformed month is a 400 with a plain message, never a 500.
"""

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engagements.choices import CLOSED_TASK_STATUSES
from engagements.selectors import engagement_roles, engagements_visible_to, tasks_visible_to
from kpo.accounts.selectors import is_operator
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.core.htmx import htmx_redirect

from . import exports, kpis
from .choices import ClockState, JobStatus, Kpi, PeriodKind
from .models import ClockRecomputeJob, KpiSnapshot, TaskClock
from .sampling import sample_awaiting_review, sampling_overview
from .selectors import latest_clock_job

COMPLIANCE_MONTHS = 12
CLOCKS_SHOWN = 50

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Bounds that keep every period boundary representable in any time zone.
_FIRST_YEAR, _LAST_YEAR = 1970, 9998


class BadMonth(ValueError):
    """A month parameter that is not YYYY-MM within the supported years (answered with a 400)."""


def parse_month(raw: str | None, *, name: str) -> date | None:
    """'2026-10' -> date(2026, 10, 1); None when absent; BadMonth with a readable message otherwise."""
    if raw is None or raw == "":
        return None
    match = _MONTH.match(raw.strip())
    if not match or not (1 <= int(match[2]) <= 12) or not (_FIRST_YEAR <= int(match[1]) <= _LAST_YEAR):
        raise BadMonth(f"“{name}” must be a month written YYYY-MM, e.g. 2026-10.")
    return date(int(match[1]), int(match[2]), 1)


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _visible_engagement(request, pk: int):
    return get_object_or_404(
        engagements_visible_to(request.user).select_related("sla__calendar", "client", "provider"), pk=pk
    )


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def kpi_snapshots_csv(request, pk: int):
    """KPI snapshots of the engagement for the months ?from=YYYY-MM&to=YYYY-MM (both optional, inclusive)."""
    engagement = _visible_engagement(request, pk)
    try:
        first = parse_month(request.GET.get("from"), name="from")
        last = parse_month(request.GET.get("to"), name="to")
    except BadMonth as error:
        return _bad_request(str(error))
    if first and last and first > last:
        return _bad_request("“from” must not be after “to”.")
    snapshots = exports.kpi_snapshots_for_export(engagement=engagement, first_month=first, last_month=last)
    filename = f"engagement-{engagement.pk}-kpis-{_months_label(first, last)}.csv"
    return _csv_response(exports.kpi_snapshot_csv(snapshots), filename)


def _months_label(first: date | None, last: date | None) -> str:
    if first and last:
        return f"{first:%Y-%m}_{last:%Y-%m}"
    if first or last:
        return f"from-{first:%Y-%m}" if first else f"to-{last:%Y-%m}"
    return "all"


@login_required
@require_GET
def task_clocks_csv(request, pk: int):
    """Per-task clocks of the month ?period=YYYY-MM (the current month of the SLA's zone by default)."""
    engagement = _visible_engagement(request, pk)
    try:
        month = parse_month(request.GET.get("period"), name="period")
    except BadMonth as error:
        return _bad_request(str(error))
    period = kpis.period_for(
        period_start=month or kpis.local_today(engagement, timezone.now()),
        period_kind=PeriodKind.MONTH,
        time_zone=kpis.engagement_time_zone(engagement),
    )
    clocks = exports.task_clocks_for_export(user=request.user, engagement=engagement, period=period)
    return _csv_response(
        exports.task_clock_csv(clocks), f"engagement-{engagement.pk}-clocks-{period.label}.csv"
    )


@login_required
@require_POST
def kpis_recompute(request, pk: int):
    """Queue the current month's KPIs for recomputation and go back to the engagement page."""
    engagement = _visible_engagement(request, pk)
    try:
        period = kpis.engagement_kpis_recompute_request(engagement=engagement, actor=request.user)
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(request, engagement)
    messages.success(
        request,
        _("The KPIs for %(period)s are being recomputed; reload in a moment.") % {"period": period.label},
    )
    return _back(request, engagement)


def _back(request, engagement):
    """Back to the page the button was on: the compliance page when it says so, else the engagement."""
    if request.POST.get("next") == "compliance":
        return redirect("sla:compliance", pk=engagement.pk)
    return redirect(engagement)


# --- the compliance page -------------------------------------------------------------------------

RUNNING_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def _kpi_months(engagement, months: int = COMPLIANCE_MONTHS) -> list[dict]:
    """The engagement's monthly KPI snapshots, newest month first, each with its total service credit."""
    snapshots = KpiSnapshot.objects.filter(engagement=engagement, period_kind=PeriodKind.MONTH).order_by(
        "-period_start", "kpi"
    )[: months * len(Kpi)]
    order = {kpi: i for i, kpi in enumerate(Kpi.values)}
    by_month: dict = {}
    for snapshot in snapshots:
        by_month.setdefault(snapshot.period_start, []).append(snapshot)
    result = []
    for start, rows in by_month.items():
        rows.sort(key=lambda s: order.get(s.kpi, 99))
        result.append(
            {
                "period_start": start,
                "snapshots": rows,
                "credit": sum((s.service_credit for s in rows), start=0),
                "currency": rows[0].currency if rows else engagement.currency,
                "breached": sum(1 for s in rows if s.status == "breached"),
            }
        )
    return result


def _clocks_needing_attention(user, engagement) -> list[TaskClock]:
    """Clocks of the engagement's open (visible) tasks that are breached or at risk: breached first."""
    return list(
        TaskClock.objects.filter(
            task__in=tasks_visible_to(user).filter(engagement=engagement).values("pk"),
            state__in=[ClockState.BREACHED, ClockState.AT_RISK],
        )
        .exclude(task__status__in=CLOSED_TASK_STATUSES)
        .select_related("task__assignee")
        .annotate(
            severity=Case(
                When(state=ClockState.BREACHED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("severity", "due_at", "task_id")[:CLOCKS_SHOWN]
    )


def _may_recompute(user, roles) -> bool:
    return is_operator(user) or bool(roles & kpis.RECOMPUTE_ROLES)


@login_required
@require_GET
def compliance(request, pk: int):
    """The SLA compliance of one engagement: monthly KPIs with their working, the clocks to watch, the
    review sample, the sampling level history, the exports and the recompute controls."""
    engagement = _visible_engagement(request, pk)
    roles = engagement_roles(request.user, engagement)
    today = kpis.local_today(engagement, timezone.now())
    context = {
        "engagement": engagement,
        "kpi_months": _kpi_months(engagement),
        "clocks": _clocks_needing_attention(request.user, engagement),
        "sample_queue": list(
            sample_awaiting_review(request.user).filter(engagement=engagement)[:CLOCKS_SHOWN]
        ),
        "sampling": sampling_overview(engagement) if engagement.sla_id else None,
        "clock_job": latest_clock_job(engagement),
        "may_recompute": _may_recompute(request.user, roles),
        "this_month": today.strftime("%Y-%m"),
        "year_ago": f"{today.year - 1:04d}-{today.month:02d}",
        "sla_zone": kpis.engagement_time_zone(engagement),
    }
    return render(request, "sla/compliance.html", context)


@login_required
@require_GET
def clock_job_status(request, pk: int):
    """The recompute progress fragment (polled by htmx every two seconds while the job runs)."""
    engagement = _visible_engagement(request, pk)
    job = latest_clock_job(engagement)
    response = render(request, "sla/_clock_job.html", {"engagement": engagement, "job": job})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def clocks_recompute(request, pk: int):
    """Queue a bulk re-measure of the engagement's task clocks; one job at a time per engagement."""
    engagement = _visible_engagement(request, pk)
    if not _may_recompute(request.user, engagement_roles(request.user, engagement)):
        raise Forbidden(
            _(
                "Only the engagement's consultant executive, client admin or provider manager may recompute clocks."
            )
        )
    from .services import clock_job_request

    with transaction.atomic():
        # Lock the engagement row so two clicks cannot both find "no job running" and queue two.
        type(engagement).objects.select_for_update().filter(pk=engagement.pk).first()
        running = ClockRecomputeJob.objects.filter(
            engagement=engagement, status__in=RUNNING_JOB_STATUSES
        ).exists()
        if running:
            messages.info(request, _("A recomputation of this engagement's clocks is already under way."))
        else:
            clock_job_request(
                engagement=engagement, reason=_("Requested from the compliance page"), actor=request.user
            )
            audit_record(actor=request.user, action="clocks.recompute_requested", obj=engagement)
            messages.success(request, _("The task clocks are being re-measured; progress is shown below."))
    return htmx_redirect(request, "sla:compliance", pk=engagement.pk)
