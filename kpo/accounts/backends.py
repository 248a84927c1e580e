"""Email login, refusing the shared demo password outside DEBUG."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authtoken.models import Token

from .models import User


class EmailBackend(ModelBackend):
    """ModelBackend keyed by case-insensitive email; the demo password only works in DEBUG."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if email is None or password is None:
            return None
        if password == settings.KPO_DEMO_PASSWORD and not settings.DEBUG:
            return None
        return super().authenticate(request, username=email, password=password, **kwargs)


# The token, its user and the user's roles in one statement: the ORM spelling of the same (a correlated
# aggregate subquery) cost more to build than the query took to run, on every API call.
_API_CALLER_SQL = (
    "SELECT u.*, t.created AS kpo_token_created, "
    "(SELECT {roles} FROM accounts_membership m WHERE m.user_id = u.id) AS kpo_role_codes "
    "FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %s"
)
_ROLE_CODES = {"postgresql": "STRING_AGG(m.role, ',')", "sqlite": "GROUP_CONCAT(m.role)"}


class TokenAuthentication(DrfTokenAuthentication):
    """DRF's token authentication, reading the user's roles in the token's query (one query, not two)."""

    def authenticate_credentials(self, key):
        roles = _ROLE_CODES.get(connection.vendor)
        if roles is None:  # another database: DRF's own lookup, roles read when first needed
            return super().authenticate_credentials(key)
        user = next(iter(User.objects.raw(_API_CALLER_SQL.format(roles=roles), [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user, created=user.kpo_token_created)
