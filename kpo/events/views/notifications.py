"""The notification inbox: a page of one's own notifications, marked read one at a time (htmx) or all."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ..selectors import inbox_for, may_manage_webhooks
from ..services import notification_mark_read

PAGE_SIZE = 50


@login_required
def notification_list(request):
    page = Paginator(inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/notification_list.html",
        {"page": page, "may_manage_webhooks": may_manage_webhooks(request.user)},
    )


@login_required
@require_POST
def notification_mark_read_one(request, pk: int):
    notification = get_object_or_404(inbox_for(request.user), pk=pk)  # someone else's is a 404
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    if getattr(request, "htmx", False):
        notification.refresh_from_db(fields=["read_at"])
        return render(request, "events/_notification.html", {"n": notification})
    # Back to the page the user was on (only a local URL: never an open redirect).
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("events:notifications")


@login_required
@require_POST
def notification_mark_all_read(request):
    notification_mark_read(user=request.user, notification_ids=inbox_for(request.user).values("pk"))
    return redirect("events:notifications")
