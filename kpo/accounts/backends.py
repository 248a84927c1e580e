"""Email login, refusing the shared demo password outside DEBUG."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """ModelBackend keyed by case-insensitive email; the demo password only works in DEBUG."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if email is None or password is None:
            return None
        if password == settings.KPO_DEMO_PASSWORD and not settings.DEBUG:
            return None
        return super().authenticate(request, username=email, password=password, **kwargs)
