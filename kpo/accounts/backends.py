"""Email login, refusing the shared demo password outside DEBUG; the caller read in one statement."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authtoken.models import Token

from kpo.core.sql import comma_joined

from .models import Membership, Organisation, User


def _read_caller(
    source: str, where: str, params: list, *, extra: str = "", engagement_ids: bool
) -> User | None:
    """The user `u` (joined in by `source`, found by `where` and its `params`) with what every request asks
    of them, in one statement: their roles (`kpo_role_codes`), their organisation (`kpo_org_*`, the first
    by name, as `user_roles` orders them) and, with `engagement_ids`, the engagements they may see
    (`kpo_engagement_ids`); `extra` adds columns. Raises LookupError on a database without a string
    aggregate here (the caller then reads the user alone, and the rest when asked)."""
    from engagements.selectors import access_generation, granted_ids_sql, view_engagement_permission_id

    roles = comma_joined("m.role", connection.vendor)
    ids = granted_ids_sql("u.id", connection.vendor) if engagement_ids else ""
    if roles is None or ids is None:
        raise LookupError(connection.vendor)
    generation = access_generation()  # before the read: a grant meanwhile makes the ids untrusted
    memberships, organisations = Membership._meta.db_table, Organisation._meta.db_table
    # Only table names are formatted in; every value is a parameter.
    ids_column = f"{ids} AS kpo_engagement_ids, " if engagement_ids else ""
    organisation = (
        "o.id AS kpo_org_id, o.name AS kpo_org_name, o.kind AS kpo_org_kind, o.group_id AS kpo_org_group_id"
    )
    sql = (
        f"SELECT u.*, {extra}{ids_column}{organisation}, "  # noqa: S608
        f"(SELECT {roles} FROM {memberships} m WHERE m.user_id = u.id) AS kpo_role_codes "
        f"FROM {source} LEFT JOIN {organisations} o ON o.id = ("
        f"SELECT m.organisation_id FROM {memberships} m JOIN {organisations} mo ON mo.id = m.organisation_id "
        f"WHERE m.user_id = u.id ORDER BY mo.name, m.role LIMIT 1) "
        f"WHERE {where}"
    )
    permission = [view_engagement_permission_id()] * 2 if engagement_ids else []
    user = next(iter(User.objects.raw(sql, [*permission, *params])), None)
    if user is not None and engagement_ids:
        user.kpo_access_generation = generation
    return user


class EmailBackend(ModelBackend):
    """ModelBackend keyed by case-insensitive email; the demo password only works in DEBUG."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if email is None or password is None:
            return None
        if password == settings.KPO_DEMO_PASSWORD and not settings.DEBUG:
            return None
        return super().authenticate(request, username=email, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in user of a session, read with their roles, organisation and unread notification
        count in one statement: every page asks for all three (the header, the scoping selectors), and
        index probes in one statement cost far less than a statement each. Not their engagement ids, as
        an API token's read has them: a page's scoped reads are prepared statements
        (`engagements.selectors.PreparedScopedRead`), and a list of ids would change their shape with
        its length."""
        from kpo.events.models import Notification

        unread = (
            f"(SELECT COUNT(*) FROM {Notification._meta.db_table} n "  # noqa: S608 (a table name)
            "WHERE n.recipient_id = u.id AND n.read_at IS NULL) AS kpo_unread_count, "
        )
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):  # a session naming no valid id: signed out, as ModelBackend does
            return None
        try:
            user = _read_caller(
                f"{User._meta.db_table} u", "u.id = %s", [user_id], extra=unread, engagement_ids=False
            )
        except LookupError:
            return super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class TokenAuthentication(DrfTokenAuthentication):
    """DRF's token authentication, reading the user's roles, organisation and visible engagement ids with
    the token in one statement: the ORM spelling (correlated aggregate subqueries) cost more to build than
    the query took to run, and the engagement ids spare every scoped query of the call a subquery to plan."""

    def authenticate_credentials(self, key):
        try:
            user = _read_caller(
                f"{Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id",
                "t.key = %s",
                [key],
                extra="t.created AS kpo_token_created, ",
                engagement_ids=True,
            )
        except LookupError:  # another database: DRF's lookup, the rest read later
            return super().authenticate_credentials(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user, created=user.kpo_token_created)
        token._state.adding, token._state.db = False, user._state.db  # as loaded from the database
        return user, token
