from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kpo.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .prepared import forget_prepared_reads

        post_migrate.connect(forget_prepared_reads, dispatch_uid="core.forget_prepared_reads")
