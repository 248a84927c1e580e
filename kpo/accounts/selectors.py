"""Reads about who a user is: organisation and roles."""

from .choices import CLIENT_ROLES, CONSULTANT_ROLES, PROVIDER_ROLES
from .models import Membership, Organisation, User


def user_roles(user: User) -> frozenset[str]:
    """The user's roles, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_kpo_roles", None)
    if cached is None:
        memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
        cached = frozenset(m.role for m in memberships)
        user._kpo_roles = cached
        user._kpo_organisation = memberships[0].organisation if memberships else None
    return cached


def user_organisation(user: User) -> Organisation | None:
    user_roles(user)
    return getattr(user, "_kpo_organisation", None)


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
    user.__dict__.pop("_kpo_roles", None)
    user.__dict__.pop("_kpo_organisation", None)
