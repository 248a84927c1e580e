"""Writes for users, organisations and memberships."""

from django.db import transaction

from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError

from .choices import ROLES_BY_ORGANISATION_KIND, OrganisationKind, Role
from .models import Membership, Organisation, User
from .selectors import forget_cached_roles


def organisation_create(*, name: str, kind: str) -> Organisation:
    if kind not in OrganisationKind.values:
        raise ApplicationError(f"Unknown organisation kind {kind!r}.")
    with transaction.atomic():
        return Organisation.objects.create(name=name, kind=kind)


def membership_grant(
    *, user: User, organisation: Organisation, role: str, actor: User | None = None
) -> Membership:
    """Give a user a role in an organisation and put them in its permission group.

    A user belongs to one organisation only, and a role must fit the organisation's kind.
    """
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.")
    if role not in ROLES_BY_ORGANISATION_KIND[organisation.kind]:
        raise ApplicationError(
            f"A {organisation.get_kind_display().lower()} cannot grant the role “{Role(role).label}”."
        )
    with transaction.atomic():
        other = (
            Membership.objects.filter(user=user)
            .exclude(organisation=organisation)
            .select_related("organisation")
            .first()
        )
        if other is not None:
            raise ApplicationError(
                f"{user} already belongs to {other.organisation}; a user has one organisation."
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        user.groups.add(organisation.group)
        forget_cached_roles(user)
        if created:
            audit_record(actor=actor, action="membership.granted", obj=membership, changes={"role": role})
    return membership
