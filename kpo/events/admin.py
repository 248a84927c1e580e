from django.contrib import admin

from .models import DomainEvent, Notification, WebhookSubscription


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
    list_display = ("url", "owner", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "owner__email")
    raw_id_fields = ("owner",)
