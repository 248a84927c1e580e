from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements"

    def ready(self):
        from kpo.accounts.models import User

        from .models import EngagementGroupObjectPermission, EngagementUserObjectPermission
        from .selectors import access_changed, forget_permission_ids

        # Migrations and test flushes recreate auth permissions (new ids): drop the cached ones.
        post_migrate.connect(forget_permission_ids, dispatch_uid="engagements.forget_permission_ids")
        # Who may see which engagement changed: engagement ids read with a user are no longer trusted.
        for model in (EngagementUserObjectPermission, EngagementGroupObjectPermission):
            post_save.connect(
                access_changed, sender=model, dispatch_uid=f"engagements.access.save.{model.__name__}"
            )
            post_delete.connect(
                access_changed, sender=model, dispatch_uid=f"engagements.access.del.{model.__name__}"
            )
        m2m_changed.connect(
            access_changed, sender=User.groups.through, dispatch_uid="engagements.access.groups"
        )
