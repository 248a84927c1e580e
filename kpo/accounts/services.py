"""Writes for users, organisations and memberships."""

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError

from .choices import ROLES_BY_ORGANISATION_KIND, OrganisationKind, Role
from .models import Membership, Organisation, User
from .selectors import forget_cached_roles


def organisation_create(*, name: str, kind: str) -> Organisation:
    if kind not in OrganisationKind.values:
        raise ApplicationError(_("Unknown organisation kind “%(kind)s”.") % {"kind": kind})
    with transaction.atomic():
        return Organisation.objects.create(name=name, kind=kind)


def membership_grant(
    *, user: User, organisation: Organisation, role: str, actor: User | None = None
) -> Membership:
    """Give a user a role in an organisation and put them in its permission group.

    A user belongs to one organisation only, and a role must fit the organisation's kind.
    """
    if role not in Role.values:
        raise ApplicationError(_("Unknown role “%(role)s”.") % {"role": role})
    if role not in ROLES_BY_ORGANISATION_KIND[organisation.kind]:
        raise ApplicationError(
            _("A %(kind)s cannot grant the role “%(role)s”.")
            % {"kind": organisation.get_kind_display().lower(), "role": Role(role).label}
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
                _("%(user)s already belongs to %(organisation)s; a user has one organisation.")
                % {"user": user, "organisation": other.organisation}
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        user.groups.add(organisation.group)
        forget_cached_roles(user)
        if created:
            audit_record(actor=actor, action="membership.granted", obj=membership, changes={"role": role})
    return membership


def token_rotate(*, user: User) -> Token:
    """(Re)create the user's API token: the old key stops working at once. Audited (never the key)."""
    if not user.is_active:
        raise ApplicationError(_("An inactive account cannot hold an API token."))
    with transaction.atomic():
        replaced = Token.objects.filter(user=user).delete()[0] > 0
        token = Token.objects.create(user=user)
        audit_record(actor=user, action="api_token.rotated" if replaced else "api_token.created", obj=user)
    return token
