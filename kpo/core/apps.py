from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kpo.core"
    label = "core"
    verbose_name = "Core"
