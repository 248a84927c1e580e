"""Reads of providers, teams and candidates, scoped to what the user may see."""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from engagements.selectors import visible_engagement_ids
from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_organisation, user_roles

from .choices import CertificationStandard
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


# --- scorecards and matching -----------------------------------------------------------------------


def delivery_records(user: User, *, by: str = "provider", provider: Provider | None = None) -> dict:
    """Delivery record counts over the engagements the user may see, grouped by provider id
    (`by="provider"`) or by engagement id (`by="engagement"`): three aggregate queries.

    on time   resolution clocks stopped met or breached (met / met + breached)
    accuracy  quality reviews (sum of scores / number of reviews)
    rework    tasks sent back for rework / tasks delivered (distinct tasks)
    """
    from engagements.choices import TaskEventKind, TaskStatus
    from engagements.models import QualityReview, TaskEvent
    from sla.choices import ClockKind, ClockState
    from sla.models import TaskClock

    from .matching import DeliveryRecord

    key = "task__engagement__provider_id" if by == "provider" else "task__engagement_id"
    scope = Q(task__engagement__in=visible_engagement_ids(user))
    if provider is not None:
        scope &= Q(task__engagement__provider_id=provider.pk)
    counts: dict[int, dict] = {}

    clocks = (
        TaskClock.objects.filter(
            scope, kind=ClockKind.RESOLUTION, state__in=[ClockState.MET, ClockState.BREACHED]
        )
        .values(key)
        .annotate(met=Count("id", filter=Q(state=ClockState.MET)), total=Count("id"))
        .order_by()
    )
    for row in clocks:
        counts.setdefault(row[key], {}).update(on_time_met=row["met"], on_time_total=row["total"])
    reviews = (
        QualityReview.objects.filter(scope)
        .values(key)
        .annotate(score_total=Sum("accuracy_score"), reviews=Count("id"))
        .order_by()
    )
    for row in reviews:
        counts.setdefault(row[key], {}).update(score_total=row["score_total"] or 0, reviews=row["reviews"])
    events = (
        TaskEvent.objects.filter(
            scope,
            kind=TaskEventKind.STATUS,
            to_status__in=[TaskStatus.DELIVERED, TaskStatus.REWORK_REQUESTED],
        )
        .values(key)
        .annotate(
            delivered=Count("task", distinct=True, filter=Q(to_status=TaskStatus.DELIVERED)),
            reworked=Count("task", distinct=True, filter=Q(to_status=TaskStatus.REWORK_REQUESTED)),
        )
        .order_by()
    )
    for row in events:
        counts.setdefault(row[key], {}).update(delivered=row["delivered"], reworked=row["reworked"])
    return {pk: DeliveryRecord(**values) for pk, values in counts.items()}


def provider_scorecard(user: User, provider: Provider) -> dict:
    """The provider's delivery record over the engagements the user may see, per engagement and in
    total: four queries whatever the number of engagements."""
    from engagements.models import Engagement

    from .matching import DeliveryRecord

    by_engagement = delivery_records(user, by="engagement", provider=provider)
    engagements = list(
        Engagement.objects.filter(pk__in=visible_engagement_ids(user), provider=provider)
        .select_related("client")
        .order_by("-start_date", "title")
    )
    rows = [(engagement, by_engagement.get(engagement.pk, DeliveryRecord())) for engagement in engagements]
    total = sum((record for _engagement, record in rows), DeliveryRecord())
    return {"engagements": rows, "total": total}


def provider_match_rows(user: User) -> list:
    """Every provider the user may see as a plain matching.ProviderRow: eight queries, whatever the
    number of providers (providers, service lines, certifications, sites, calendar intervals, and the
    three delivery record aggregates)."""
    from sla.models import WorkingInterval

    from .matching import CertificationRow, DeliveryRecord, ProviderRow
    from .models import ProviderSite

    visible = providers_visible_to(user)
    visible_ids = visible.values("pk")
    providers = list(
        visible.values(
            "pk",
            "name",
            "country",
            "time_zone",
            "headcount",
            "languages",
            "default_calendar_id",
            "default_calendar__time_zone",
        ).order_by("name")
    )
    lines: dict[int, set[int]] = {}
    for provider_id, line_id in Provider.service_lines.through.objects.filter(
        provider_id__in=visible_ids
    ).values_list("provider_id", "serviceline_id"):
        lines.setdefault(provider_id, set()).add(line_id)
    certifications: dict[int, list] = {}
    labels = {value: str(label) for value, label in CertificationStandard.choices}
    for cert in Certification.objects.filter(provider_id__in=visible_ids).values(
        "provider_id", "standard", "issued_on", "expires_on"
    ):
        standard = cert["standard"]
        label = labels.get(standard, standard)
        certifications.setdefault(cert["provider_id"], []).append(
            CertificationRow(cert["standard"], label, cert["issued_on"], cert["expires_on"])
        )
    sites: dict[int, set[str]] = {}
    for provider_id, country in ProviderSite.objects.filter(provider_id__in=visible_ids).values_list(
        "provider_id", "country"
    ):
        sites.setdefault(provider_id, set()).add(country)
    weeks: dict[int, list] = {}
    for calendar_id, weekday, start, end in (
        WorkingInterval.objects.filter(
            calendar_id__in=visible.filter(default_calendar__isnull=False).values("default_calendar_id")
        )
        .values_list("calendar_id", "weekday", "start_minute", "end_minute")
        .order_by("calendar_id", "weekday", "start_minute")
    ):
        weeks.setdefault(calendar_id, []).append((weekday, start, end))
    records = delivery_records(user, by="provider")
    empty = DeliveryRecord()
    rows = []
    for p in providers:
        calendar_id = p["default_calendar_id"]
        rows.append(
            ProviderRow(
                id=p["pk"],
                name=p["name"],
                country=p["country"],
                time_zone=p["time_zone"],
                headcount=p["headcount"],
                languages=tuple(lang.strip() for lang in p["languages"].split(",") if lang.strip()),
                service_line_ids=frozenset(lines.get(p["pk"], ())),
                certifications=tuple(certifications.get(p["pk"], ())),
                site_countries=frozenset(sites.get(p["pk"], ())),
                calendar_time_zone=(p["default_calendar__time_zone"] or "") if calendar_id else "",
                week=tuple(weeks.get(calendar_id, ())) if calendar_id else (),
                delivery=records.get(p["pk"], empty),
            )
        )
    return rows


# Who may search the directory for a client's need (brokers propose providers; executives scope deals).
MATCHING_ROLES = frozenset({Role.CONSULTANT_BROKER, Role.CONSULTANT_EXECUTIVE})


def may_match_providers(user: User) -> bool:
    return is_operator(user) or bool(user_roles(user) & MATCHING_ROLES)


def may_list_candidates(user: User) -> bool:
    """Recruiters, provider managers and operators have a candidate list (possibly empty)."""
    return is_operator(user) or bool(user_roles(user) & {Role.CONSULTANT_RECRUITER, Role.PROVIDER_MANAGER})


def candidate_list_for(user: User) -> QuerySet[Candidate]:
    """The candidate list a page shows, with the rows it prints joined in (one query per page)."""
    return candidates_visible_to(user).select_related("provider", "recruiter").order_by("-created_at", "-pk")


def candidate_stage_counts(candidates: QuerySet[Candidate]) -> dict[str, int]:
    """{stage: count} over a candidate queryset, in one query."""
    rows = candidates.order_by().values("stage").annotate(n=Count("pk"))
    return {row["stage"]: row["n"] for row in rows}
