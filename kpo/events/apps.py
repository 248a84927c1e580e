from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kpo.events"
    label = "events"
    verbose_name = "Events and notifications"
