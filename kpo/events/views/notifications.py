from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import inbox_for
from .services import notification_mark_read


@login_required
def notification_list(request):
    page = Paginator(inbox_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "events/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_mark_all_read(request):
    notification_mark_read(user=request.user, notification_ids=inbox_for(request.user).values("pk"))
    return redirect("events:notifications")
