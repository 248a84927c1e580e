"""Writing audit rows: call inside the transaction of the change."""

from django.db import models

from .models import AuditLog


def audit_record(*, actor, action: str, obj: models.Model, changes: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )
