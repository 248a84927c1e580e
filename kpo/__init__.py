"""KPO Desk project package: settings, URL wiring, the Celery app and shared apps."""

from .celery import app as celery_app

__all__ = ("celery_app",)
