"""Email login, refusing the shared demo password outside DEBUG."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authtoken.models import Token

from kpo.core.sql import comma_joined

from .models import Membership, User


class EmailBackend(ModelBackend):
    """ModelBackend keyed by case-insensitive email; the demo password only works in DEBUG."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if email is None or password is None:
            return None
        if password == settings.KPO_DEMO_PASSWORD and not settings.DEBUG:
            return None
        return super().authenticate(request, username=email, password=password, **kwargs)


# The token, its user, the user's roles and the engagements they may see, in one statement: the ORM
# spelling (correlated aggregate subqueries) cost more to build than the query took to run, and the
# engagement ids spare every scoped query of the call a subquery to plan.
_API_CALLER_SQL = (
    "SELECT u.*, t.created AS kpo_token_created, "
    "(SELECT {roles} FROM {memberships} m WHERE m.user_id = u.id) AS kpo_role_codes, "
    "{engagement_ids} AS kpo_engagement_ids "
    "FROM {tokens} t JOIN {users} u ON u.id = t.user_id WHERE t.key = %s"
)


class TokenAuthentication(DrfTokenAuthentication):
    """DRF's token authentication, reading the user's roles and visible engagement ids with the token."""

    def authenticate_credentials(self, key):
        from engagements.selectors import access_generation, granted_ids_sql, view_engagement_permission_id

        roles, engagement_ids = (
            comma_joined("m.role", connection.vendor),
            granted_ids_sql("u.id", connection.vendor),
        )
        if roles is None or engagement_ids is None:  # another database: DRF's lookup, the rest read later
            return super().authenticate_credentials(key)
        generation = access_generation()  # before the read: a grant meanwhile makes the ids untrusted
        permission = view_engagement_permission_id()
        sql = _API_CALLER_SQL.format(
            roles=roles,
            engagement_ids=engagement_ids,
            memberships=Membership._meta.db_table,
            tokens=Token._meta.db_table,
            users=User._meta.db_table,
        )
        user = next(iter(User.objects.raw(sql, [permission, permission, key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user.kpo_access_generation = generation
        token = Token(key=key, user=user, created=user.kpo_token_created)
        token._state.adding, token._state.db = False, user._state.db  # as loaded from the database
        return user, token
