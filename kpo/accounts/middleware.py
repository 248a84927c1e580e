"""Show times in the signed-in user's own zone; store them in UTC. Keep idle sessions alive cheaply."""

import time
import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

# When the session's expiry was last pushed back (epoch seconds), kept in the session itself.
SESSION_REFRESHED_KEY = "_kpo_refreshed_at"


def mark_session_refreshed(sender, request, user, **kwargs) -> None:
    """At login (`user_logged_in`): the new session is saved with a full expiry, so it counts as pushed."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_REFRESHED_KEY] = int(time.time())


class SlidingSessionMiddleware:
    """Idle expiry without a session write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST rewrites the session row (and re-sends the cookie) on each page
    view and each htmx poll. Here the expiry is pushed back only when the last push is at least
    KPO_SESSION_REFRESH_SECONDS old, so an idle session ends between SESSION_COOKIE_AGE minus that
    interval and SESSION_COOKIE_AGE after the user's last request. Placed after AuthenticationMiddleware;
    the mark is set before the view runs, so a logout (which flushes the session) discards it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            if now - session.get(SESSION_REFRESHED_KEY, 0) >= settings.KPO_SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_KEY] = now  # modified: SessionMiddleware saves it, new expiry
        return self.get_response(request)


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language and not request.COOKIES.get("django_language"):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        return self.get_response(request)
