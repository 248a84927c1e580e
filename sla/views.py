"""SLA pages: the compliance exports (CSV, streamed) and asking for a KPI recomputation.

Thin: parse the query, fetch the engagement through the permission-scoped selector (another tenant's is
a 404), call sla.exports or sla.kpis. A malformed month is a 400 with a plain message, never a 500.
"""

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from engagements.selectors import engagements_visible_to
from kpo.core.exceptions import ApplicationError, PermissionDenied

from . import exports, kpis
from .choices import PeriodKind

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
        return redirect(engagement)
    messages.success(request, f"The KPIs for {period.label} are being recomputed; reload in a moment.")
    return redirect(engagement)
