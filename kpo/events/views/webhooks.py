"""An organisation's webhook pages: subscriptions, their secret (shown once), and the delivery log.

Only an organisation admin/manager (or an operator) reaches these pages; everyone else gets 403, and a
subscription or delivery of another organisation is a 404, because every lookup starts from a selector.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kpo.core.exceptions import ApplicationError

from ..choices import DeliveryStatus
from ..filters import WebhookDeliveryFilter
from ..forms import WebhookSubscriptionForm
from ..selectors import (
    delivery_list_for,
    may_manage_webhooks,
    subscription_list_for,
    subscriptions_visible_to,
    webhook_organisation_for,
)
from ..services import (
    webhook_delivery_resend,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_rotate_secret,
    webhook_subscription_send_test,
    webhook_subscription_update,
)

DELIVERY_PAGE_SIZE = 50


def _require_manager(request) -> None:
    if not may_manage_webhooks(request.user):
        raise DjangoPermissionDenied(_("Only an organisation's admin or manager may manage webhooks."))


def _subscription_or_404(request, pk: int):
    _require_manager(request)
    return get_object_or_404(subscriptions_visible_to(request.user).select_related("organisation"), pk=pk)


def _form_error(form, error: ApplicationError) -> None:
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.message)


def _secret_page(request, subscription, *, created: bool):
    response = render(
        request, "events/webhook_secret.html", {"subscription": subscription, "created": created}
    )
    add_never_cache_headers(response)  # the secret must not linger in a cache
    return response


@login_required
def webhook_list(request):
    _require_manager(request)
    return render(
        request,
        "events/webhook_list.html",
        {
            "subscriptions": subscription_list_for(request.user),
            "may_create": webhook_organisation_for(request.user) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    _require_manager(request)
    if webhook_organisation_for(request.user) is None:
        raise DjangoPermissionDenied(
            _("Webhooks belong to an organisation; you are not an admin or manager of one.")
        )
    form = WebhookSubscriptionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhook_subscription_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            return _secret_page(request, subscription, created=True)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/webhook_form.html", {"form": form, "subscription": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    initial = {
        "url": subscription.url,
        "description": subscription.description,
        "event_types": subscription.event_types,
        "is_active": subscription.is_active,
    }
    form = WebhookSubscriptionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_subscription_update(subscription=subscription, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("events:webhook-deliveries", pk=subscription.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "events/webhook_form.html", {"form": form, "subscription": subscription}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    if request.method == "POST":
        webhook_subscription_delete(subscription=subscription, actor=request.user)
        messages.success(request, _("Webhook deleted."))
        return redirect("events:webhooks")
    return render(request, "events/webhook_confirm_delete.html", {"subscription": subscription})


@login_required
@require_POST
def webhook_rotate_secret(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    subscription = webhook_subscription_rotate_secret(subscription=subscription, actor=request.user)
    return _secret_page(request, subscription, created=False)


@login_required
@require_POST
def webhook_send_test(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    try:
        webhook_subscription_send_test(subscription=subscription, actor=request.user)
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Test ping queued; its delivery appears below."))
    return redirect("events:webhook-deliveries", pk=subscription.pk)


@login_required
def webhook_deliveries(request, pk: int):
    """One subscription's delivery log, newest first, filterable by status."""
    subscription = _subscription_or_404(request, pk)
    deliveries = WebhookDeliveryFilter(
        request.GET, queryset=delivery_list_for(request.user).filter(subscription=subscription)
    )
    page = Paginator(deliveries.qs, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    status_filter = request.GET.get("status", "")
    return render(
        request,
        "events/webhook_deliveries.html",
        {
            "subscription": subscription,
            "page": page,
            "statuses": DeliveryStatus.choices,
            "status_filter": status_filter if status_filter in DeliveryStatus.values else "",
            "filter_errors": deliveries.errors,
        },
    )


@login_required
@require_POST
def webhook_delivery_resend_view(request, pk: int):
    _require_manager(request)
    delivery = get_object_or_404(delivery_list_for(request.user), pk=pk)
    error, status = "", 200
    try:
        delivery = webhook_delivery_resend(delivery=delivery, actor=request.user)
    except ApplicationError as refusal:  # e.g. an attempt in flight (409)
        error, status = refusal.message, refusal.status_code
    if getattr(request, "htmx", False):
        delivery = delivery_list_for(request.user).get(pk=delivery.pk)
        return render(
            request,
            "events/_delivery_row.html",
            {"delivery": delivery, "row_error": error},
            status=status,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Delivery queued again."))
    return redirect("events:webhook-deliveries", pk=delivery.subscription_id)
