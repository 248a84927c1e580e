"""Writes to engagements: creation with its access grants, consultants, status and terms."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_roles
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from providers.models import Provider, ServiceLine

from ..choices import (
    ConsultantRole,
    EngagementStatus,
)
from ..models import (
    Client,
    Engagement,
    EngagementConsultant,
)
from ..selectors import VIEW_ENGAGEMENT, engagement_roles

CONSULTANT_LINK_BY_ROLE = {
    Role.CONSULTANT_EXECUTIVE: ConsultantRole.EXECUTIVE,
    Role.CONSULTANT_ANALYST: ConsultantRole.ANALYST,
    Role.CONSULTANT_BROKER: ConsultantRole.BROKER,
    Role.CONSULTANT_RECRUITER: ConsultantRole.RECRUITER,
}


def engagement_create(
    *,
    client: Client,
    provider: Provider,
    title: str,
    service_line: ServiceLine,
    scope: str,
    start_date,
    budget: Decimal,
    currency: str,
    actor: User | None = None,
    **fields,
) -> Engagement:
    """Create an engagement and grant view access to both parties' organisation groups.

    Executive consultants (who own client relationships) and operators create engagements; the creating
    executive is attached to it, so it is theirs to scope from the first moment."""
    if actor is not None and not is_operator(actor) and Role.CONSULTANT_EXECUTIVE not in user_roles(actor):
        raise PermissionDenied(_("Only an executive consultant may create an engagement."))
    with transaction.atomic():
        engagement = Engagement(
            client=client,
            provider=provider,
            title=title,
            service_line=service_line,
            scope=scope,
            start_date=start_date,
            budget=budget,
            currency=currency,
            **fields,
        )
        engagement.full_clean()
        engagement.save()
        assign_perm(VIEW_ENGAGEMENT, client.organisation.group, engagement)
        assign_perm(VIEW_ENGAGEMENT, provider.organisation.group, engagement)
        audit_record(
            actor=actor, action="engagement.created", obj=engagement, changes={"status": engagement.status}
        )
        if actor is not None and Role.CONSULTANT_EXECUTIVE in user_roles(actor):
            engagement_attach_consultant(
                engagement=engagement, user=actor, role=ConsultantRole.EXECUTIVE, actor=actor
            )
    return engagement


# The terms an executive may change after creation; the SLA goes through sla.services.engagement_set_sla.
ENGAGEMENT_TERMS = (
    "title",
    "scope",
    "expected_outcomes",
    "start_date",
    "end_date",
    "budget",
    "is_proof_of_concept",
)


def engagement_update_terms(*, engagement: Engagement, actor: User | None, **changes) -> Engagement:
    """Change an engagement's terms (scope, dates, budget...); audited with the before and after values."""
    unknown = set(changes) - set(ENGAGEMENT_TERMS)
    if unknown:
        raise ApplicationError(
            _("Not a term of an engagement: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    engagement_roles_may_change_terms(engagement=engagement, actor=actor)
    with transaction.atomic():
        locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
        before = {field: getattr(locked, field) for field in changes}
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean()
        changed = {f: (str(before[f]), str(v)) for f, v in changes.items() if before[f] != v}
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, action="engagement.terms_changed", obj=locked, changes=changed)
    return locked


def engagement_attach_consultant(
    *, engagement: Engagement, user: User, role: str, actor: User | None = None
) -> EngagementConsultant:
    """Attach a consultant in one capacity; they must hold that consultant role. Grants view access
    (and change access for executives, who own the engagement's terms)."""
    if role not in ConsultantRole.values:
        raise ApplicationError(_("Unknown consultant role %(role)r.") % {"role": role})
    required = {v: k for k, v in CONSULTANT_LINK_BY_ROLE.items()}[role]
    if required not in user_roles(user):
        raise ApplicationError(
            _("%(user)s is not a consultant of kind “%(kind)s”.")
            % {"user": user, "kind": ConsultantRole(role).label}
        )
    with transaction.atomic():
        link, created = EngagementConsultant.objects.get_or_create(
            engagement=engagement, user=user, role=role
        )
        assign_perm(VIEW_ENGAGEMENT, user, engagement)
        if role == ConsultantRole.EXECUTIVE:
            assign_perm("change_engagement", user, engagement)
        if created:
            audit_record(
                actor=actor,
                action="engagement.consultant_attached",
                obj=engagement,
                changes={"user": user.email, "role": role},
            )
    return link


def engagement_detach_consultant(
    *, engagement: Engagement, user: User, role: str, actor: User | None = None
) -> None:
    with transaction.atomic():
        deleted, _by_model = EngagementConsultant.objects.filter(
            engagement=engagement, user=user, role=role
        ).delete()
        if not EngagementConsultant.objects.filter(engagement=engagement, user=user).exists():
            remove_perm(VIEW_ENGAGEMENT, user, engagement)
            remove_perm("change_engagement", user, engagement)
        if deleted:
            audit_record(
                actor=actor,
                action="engagement.consultant_detached",
                obj=engagement,
                changes={"user": user.email, "role": role},
            )


def engagement_roles_may_change_terms(*, engagement: Engagement, actor: User | None) -> None:
    """Only the engagement's executive consultants and operators change its terms (SLA, budget, dates)."""
    if actor is None or is_operator(actor):
        return
    if Role.CONSULTANT_EXECUTIVE not in engagement_roles(actor, engagement):
        raise PermissionDenied(_("Only the engagement's executive consultant may change its terms."))


def engagement_set_status(*, engagement: Engagement, status: str, actor: User | None = None) -> Engagement:
    if status not in EngagementStatus.values:
        raise ApplicationError(_("Unknown engagement status %(status)r.") % {"status": status})
    with transaction.atomic():
        previous = engagement.status
        engagement.status = status
        engagement.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="engagement.status_changed",
            obj=engagement,
            changes={"from": previous, "to": status},
        )
    return engagement
