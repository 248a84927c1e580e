from django.db.models import QuerySet

from .models import Notification


def inbox_for(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()
