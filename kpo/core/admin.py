from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "actor", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__email")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor",)

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only

    def has_add_permission(self, request):
        return False
