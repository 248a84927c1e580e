"""Reads about who a user is: organisation and roles."""

from django.db import DEFAULT_DB_ALIAS

from .choices import CLIENT_ROLES, CONSULTANT_ROLES, PROVIDER_ROLES
from .models import Membership, Organisation, User

_UNSET = object()
ORGANISATION_FIELDS = ("id", "name", "kind", "group_id")


def user_roles(user: User) -> frozenset[str]:
    """The user's roles, read once per request (or with the user, see accounts.backends) and cached."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_kpo_roles", None)
    if cached is None:
        codes = getattr(user, "kpo_role_codes", _UNSET)  # getattr: request.user is a lazy proxy
        if codes is not _UNSET:
            cached = frozenset(code for code in (codes or "").split(",") if code)
            user._kpo_organisation = _preloaded_organisation(user)
        else:
            # Plain values (every page reads them): model instances of each membership and its
            # organisation cost more Python than the index probe behind them.
            rows = list(
                Membership.objects.filter(user=user)
                .order_by("organisation__name", "role")
                .values_list("role", *(f"organisation__{name}" for name in ORGANISATION_FIELDS))
            )
            cached = frozenset(row[0] for row in rows)
            user._kpo_organisation = _organisation(rows[0][1:]) if rows else None
        user._kpo_roles = cached
    return cached


def _organisation(values) -> Organisation:
    """The organisation read as values, as a saved instance (what `select_related` would have built)."""
    organisation = Organisation(**dict(zip(ORGANISATION_FIELDS, values, strict=True)))
    organisation._state.adding, organisation._state.db = False, DEFAULT_DB_ALIAS
    return organisation


def _preloaded_organisation(user: User) -> Organisation | None:
    """The organisation read with the user (`kpo_org_*` columns, see accounts.backends), if any."""
    if getattr(user, "kpo_org_id", None) is None:
        return None
    return _organisation(getattr(user, f"kpo_org_{name}") for name in ORGANISATION_FIELDS)


def user_organisation(user: User) -> Organisation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    organisation = getattr(user, "_kpo_organisation", _UNSET)
    if organisation is _UNSET and getattr(user, "kpo_role_codes", _UNSET) is not _UNSET:
        organisation = user._kpo_organisation = _preloaded_organisation(user)
    if organisation is _UNSET:
        membership = Membership.objects.filter(user=user).select_related("organisation").first()
        organisation = user._kpo_organisation = membership.organisation if membership else None
    return organisation


def is_operator(user: User) -> bool:
    """Platform staff see everything."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def is_client_user(user: User) -> bool:
    return bool(user_roles(user) & CLIENT_ROLES)


def is_provider_user(user: User) -> bool:
    return bool(user_roles(user) & PROVIDER_ROLES)


def is_consultant(user: User) -> bool:
    return bool(user_roles(user) & CONSULTANT_ROLES)


def forget_cached_roles(user: User) -> None:
    """Drop the per-object role cache after a membership change."""
    for cached in ("_kpo_roles", "_kpo_organisation", "kpo_role_codes", "kpo_org_id"):
        if hasattr(user, cached):
            delattr(user, cached)
