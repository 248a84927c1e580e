from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements"

    def ready(self):
        from .selectors import forget_permission_ids

        # Migrations and test flushes recreate auth permissions (new ids): drop the cached ones.
        post_migrate.connect(forget_permission_ids, dispatch_uid="engagements.forget_permission_ids")
