"""API throttles: per user (session or token), per token, per anonymous address, and scoped budgets.

Kept apart from kpo.core.api: DRF imports these while building APIView, so this module may not import
rest_framework.views (directly or through drf_spectacular). Rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES, read on every request, so tests can lower them with override_settings.
"""

import time

from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class _SettingsRateThrottle(BaseThrottle):
    """`rate` requests per period, counted in the cache with one atomic add-or-increment per request.

    DRF's SimpleRateThrottle reads and rewrites the list of every request time in the window (O(rate),
    pickled both ways, per throttle, per request). This counts in a window that opens with the first
    request and lasts the period; `Retry-After` says when it closes. The rate is read from the settings
    on each request, so override_settings (tests) takes effect.
    """

    scope: str | None = None
    cache = cache

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        ident = self.get_cache_key(request, view) if rate else None
        if ident is None:
            return True
        count, period = rate.split("/")
        limit, duration = int(count), _SECONDS[period[0]]
        key = f"throttle:{self.scope}:{ident}"
        if self.cache.add(key, 1, timeout=duration):
            self._note_opened(key, duration)
            return True
        try:
            hits = self.cache.incr(key)
        except ValueError:  # the window closed between add() and incr(): this request opens the next one
            self.cache.set(key, 1, timeout=duration)
            self._note_opened(key, duration)
            return True
        if hits <= limit:
            return True
        opened = self.cache.get(f"{key}:opened") or time.time()
        self._wait = max(1.0, opened + duration - time.time())
        return False

    def _note_opened(self, key: str, duration: int) -> None:
        """When the window opened, for Retry-After."""
        self.cache.set(f"{key}:opened", time.time(), timeout=duration)

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class UserRateThrottle(_SettingsRateThrottle):
    """Per signed-in user, whatever the authentication (session or token)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)


class TokenRateThrottle(_SettingsRateThrottle):
    """Per API token: one integration cannot starve the other clients of the same user."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, Token):
            return None
        return request.auth.key[:12]


class AnonRateThrottle(_SettingsRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class ScopedRateThrottle(_SettingsRateThrottle):
    """A tighter budget for expensive operations (`throttle_scope = "uploads"` on a view), per user."""

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope or self.scope not in api_settings.DEFAULT_THROTTLE_RATES:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return (
            str(request.user.pk)
            if request.user and request.user.is_authenticated
            else self.get_ident(request)
        )
