"""Reads about who a user is: organisation and roles."""

from .choices import CLIENT_ROLES, CONSULTANT_ROLES, PROVIDER_ROLES
from .models import Membership, Organisation, User

_UNSET = object()


def user_roles(user: User) -> frozenset[str]:
    """The user's roles, read once per request (or with the API token, see accounts.backends) and cached."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_kpo_roles", None)
    if cached is None:
        codes = getattr(user, "kpo_role_codes", _UNSET)  # getattr: request.user is a lazy proxy
        if codes is not _UNSET:
            cached = frozenset(code for code in (codes or "").split(",") if code)
        else:
            memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
            cached = frozenset(m.role for m in memberships)
            user._kpo_organisation = memberships[0].organisation if memberships else None
        user._kpo_roles = cached
    return cached


def user_organisation(user: User) -> Organisation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    organisation = getattr(user, "_kpo_organisation", _UNSET)
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
    for cached in ("_kpo_roles", "_kpo_organisation", "kpo_role_codes"):
        if hasattr(user, cached):
            delattr(user, cached)
