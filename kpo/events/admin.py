from django.contrib import admin

from .models import DomainEvent, Notification, WebhookDelivery, WebhookSubscription


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    list_display = ("event_type", "occurred_at", "engagement", "actor", "dispatched_at", "attempts")
    list_filter = ("event_type", ("dispatched_at", admin.EmptyFieldListFilter))
    search_fields = ("id", "last_error")
    list_select_related = ("engagement", "actor")
    readonly_fields = (
        "id",
        "event_type",
        "occurred_at",
        "engagement",
        "actor",
        "payload",
        "dispatched_at",
        "attempts",
        "last_error",
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "title", "verb", "created_at", "read_at")
    list_filter = ("verb", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "title")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "event")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "organisation", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "organisation__name")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "created_by")
    # The secret is shown once to the organisation; operators rotate it through the app, never read it here.
    exclude = ("secret", "previous_secret")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "subscription", "status", "attempts", "last_response_code", "next_attempt_at")
    list_filter = ("status",)
    search_fields = ("event__id", "subscription__url", "last_error")
    list_select_related = ("event", "subscription")
    raw_id_fields = ("event", "subscription")
    readonly_fields = (
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_error",
        "last_response_code",
        "delivered_at",
        "created_at",
    )
