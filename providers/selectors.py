"""Reads of providers, teams and candidates, scoped to what the user may see."""

from django.db.models import Count, Prefetch, Q, QuerySet

from engagements.selectors import visible_engagement_ids
from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_organisation, user_roles

from .models import Candidate, Certification, Provider, TeamMember

# Who may browse the whole provider directory (matching clients to providers is their job).
DIRECTORY_ROLES = frozenset({Role.CONSULTANT_BROKER, Role.CONSULTANT_EXECUTIVE, Role.CONSULTANT_RECRUITER})


def may_browse_directory(user: User) -> bool:
    return is_operator(user) or bool(user_roles(user) & DIRECTORY_ROLES)


def providers_visible_to(user: User) -> QuerySet[Provider]:
    """The whole directory for brokers, executives, recruiters and operators; otherwise the providers of
    the user's visible engagements and their own provider."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Provider.objects.none()
    if may_browse_directory(user):
        return Provider.objects.all()
    organisation = user_organisation(user)
    own = Q(organisation=organisation) if organisation is not None else Q(pk__in=[])
    return Provider.objects.filter(Q(engagements__in=visible_engagement_ids(user)) | own).distinct()


def provider_directory_for(user: User) -> QuerySet[Provider]:
    return (
        providers_visible_to(user)
        .annotate(engagement_count=Count("engagements", distinct=True))
        .prefetch_related(
            "service_lines", Prefetch("certifications", queryset=Certification.objects.order_by("standard"))
        )
        .order_by("name")
    )


def team_members_visible_to(user: User) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(provider__in=providers_visible_to(user).values("pk"))


def candidates_visible_to(user: User) -> QuerySet[Candidate]:
    """Recruiters see the candidates they recruit and those for their own provider; a provider's
    manager sees candidates for their provider; operators see all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Candidate.objects.none()
    if is_operator(user):
        return Candidate.objects.all()
    roles = user_roles(user)
    organisation = user_organisation(user)
    condition = Q(pk__in=[])
    if Role.CONSULTANT_RECRUITER in roles:
        condition |= Q(recruiter=user)
    if organisation is not None and roles & {Role.CONSULTANT_RECRUITER, Role.PROVIDER_MANAGER}:
        condition |= Q(provider__organisation=organisation)
    return Candidate.objects.filter(condition)
