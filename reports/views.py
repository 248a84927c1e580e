from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .selectors import report_list_for, reports_visible_to


@login_required
def report_list(request):
    return render(request, "reports/report_list.html", {"reports": report_list_for(request.user)})


@login_required
def report_detail(request, pk: int):
    report = get_object_or_404(
        reports_visible_to(request.user).select_related("engagement__client", "author"), pk=pk
    )
    context = {
        "report": report,
        "findings": report.findings.all(),
        "recommendations": report.recommendations.prefetch_related("supporting_findings"),
        "versions": report.versions.all(),
    }
    return render(request, "reports/report_detail.html", context)
