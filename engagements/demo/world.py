"""Build the demo's organisations, people, clients, providers, calendars, SLAs and engagements.

Every row is looked up by its natural key first, so a second run finds everything and writes nothing.
Child rows whose keys depend on "now" (calendar exceptions, certifications) are created only together
with their parent.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password

from engagements.models import Client, ClientContact, Engagement
from engagements.services import engagement_attach_consultant, engagement_create
from kpo.accounts.choices import OrganisationKind
from kpo.accounts.models import Membership, Organisation, User
from kpo.accounts.services import membership_grant, organisation_create
from providers.choices import CandidateStage
from providers.models import (
    Candidate,
    Certification,
    Consultant,
    Provider,
    ProviderSite,
    RateCard,
    RateCardEntry,
    ServiceLine,
    TeamMember,
)
from sla.choices import CalendarExceptionKind, Kpi
from sla.models import SLA, BusinessCalendar, CalendarException, KpiTarget, SLATarget, WorkingInterval

from . import catalogue, people, portfolio

DEMO_PASSWORD_FALLBACK = "kpo-demo"  # noqa: S105 - the documented demo password, refused outside DEBUG


def demo_password() -> str:
    return getattr(settings, "KPO_DEMO_PASSWORD", DEMO_PASSWORD_FALLBACK)


@dataclass
class World:
    """Handles on everything the history, candidates and reports need."""

    now: datetime
    service_lines: dict[str, ServiceLine] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    team: dict[tuple[str, str], TeamMember] = field(default_factory=dict)
    # When a team member joined (hires join mid-history; others were there all along).
    joined: dict[int, datetime] = field(default_factory=dict)
    engagements: dict[str, Engagement] = field(default_factory=dict)

    def day(self, offset: int) -> date:
        return (self.now + timedelta(days=offset)).date()


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _saturday_near(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7)


class WorldBuilder:
    def __init__(self, now: datetime):
        self.world = World(now=now)
        self._password_hash: str | None = None

    def build(self) -> World:
        self.service_lines()
        self.organisations()
        self.users()
        self.clients()
        self.providers()
        self.consultants()
        self.candidates()
        self.engagements()
        return self.world

    # --- reference data ------------------------------------------------------------------------

    def service_lines(self) -> None:
        for code, name, description in catalogue.SERVICE_LINES:
            line, _created = ServiceLine.objects.get_or_create(
                code=code, defaults={"name": name, "description": description}
            )
            self.world.service_lines[code] = line

    def organisations(self) -> None:
        kinds = [(key, spec["name"], OrganisationKind.CLIENT) for key, spec in catalogue.CLIENTS.items()]
        kinds += [(key, spec["name"], OrganisationKind.PROVIDER) for key, spec in catalogue.PROVIDERS.items()]
        kinds.append((people.CONSULTANCY_KEY, people.CONSULTANCY_NAME, OrganisationKind.CONSULTANCY))
        for key, name, kind in kinds:
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is None:
                organisation = organisation_create(name=name, kind=kind)
            self.world.organisations[key] = organisation

    # --- people --------------------------------------------------------------------------------

    def _hashed_password(self) -> str:
        # Hash once: PBKDF2 per user would dominate the run, and every demo user shares the password.
        if self._password_hash is None:
            self._password_hash = make_password(demo_password())
        return self._password_hash

    def users(self) -> None:
        for email, full_name, time_zone, language, org_key, roles, extras in people.PEOPLE:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                create = (
                    User.objects.create_superuser if extras.get("superuser") else User.objects.create_user
                )
                user = create(
                    email, password=None, full_name=full_name, time_zone=time_zone, language=language
                )
                user.password = self._hashed_password()
                user.save(update_fields=["password"])
            for role in roles:
                organisation = self.world.organisations[org_key]
                # Skip granted roles: re-adding the group would still burn an id in SQLite's sequence.
                if not Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
                    membership_grant(user=user, organisation=organisation, role=role)
            self.world.users[email] = user

    def consultants(self) -> None:
        for email, _name, _tz, _lang, _org, roles, extras in people.PEOPLE:
            if not any(role.startswith("consultant_") for role in roles):
                continue
            profile, created = Consultant.objects.get_or_create(
                user=self.world.users[email],
                defaults={"headline": extras.get("headline", ""), "bio": extras.get("bio", "")},
            )
            if created:
                profile.service_lines.set(
                    [self.world.service_lines[c] for c in extras.get("service_lines", [])]
                )

    # --- clients and providers ------------------------------------------------------------------

    def clients(self) -> None:
        for key, spec in catalogue.CLIENTS.items():
            client, _created = Client.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "organisation": self.world.organisations[key],
                    "industry": spec["industry"],
                    "country": spec["country"],
                    "time_zone": spec["time_zone"],
                    "in_house_hourly_cost": Decimal(spec["in_house_hourly_cost"]),
                    "currency": spec["currency"],
                },
            )
            for full_name, email, title, phone in spec["contacts"]:
                ClientContact.objects.get_or_create(
                    client=client,
                    email=email,
                    defaults={"full_name": full_name, "title": title, "phone": phone},
                )
            self.world.clients[key] = client

    def calendar(self, key: str, spec: dict) -> BusinessCalendar:
        calendar_spec = spec["calendar"]
        calendar, created = BusinessCalendar.objects.get_or_create(
            name=calendar_spec["name"],
            defaults={"time_zone": spec["time_zone"], "holiday_country": calendar_spec["holiday_country"]},
        )
        if created:
            WorkingInterval.objects.bulk_create(
                WorkingInterval(calendar=calendar, weekday=weekday, start_minute=start, end_minute=end)
                for weekday, spans in sorted(calendar_spec["week"].items())
                for start, end in spans
            )
            for kind, offset, note in calendar_spec["exceptions"]:
                day = self.world.day(offset)
                day = _weekday_on_or_after(day) if kind == "closed" else _saturday_near(day)
                CalendarException.objects.get_or_create(
                    calendar=calendar,
                    date=day,
                    defaults={"kind": CalendarExceptionKind(kind), "note": note},
                )
        self.world.calendars[key] = calendar
        return calendar

    def providers(self) -> None:
        for key, spec in catalogue.PROVIDERS.items():
            calendar = self.calendar(key, spec)
            provider, created = Provider.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "organisation": self.world.organisations[key],
                    "country": spec["country"],
                    "time_zone": spec["time_zone"],
                    "languages": spec["languages"],
                    "headcount": spec["headcount"],
                    "description": spec["description"],
                    "website": spec["website"],
                    "default_calendar": calendar,
                },
            )
            self.world.providers[key] = provider
            if created:
                provider.service_lines.set([self.world.service_lines[c] for c in spec["service_lines"]])
                for standard, number, issued, expires in spec["certifications"]:
                    Certification.objects.create(
                        provider=provider,
                        standard=standard,
                        certificate_number=number,
                        issued_on=self.world.day(issued),
                        expires_on=self.world.day(expires),
                    )
            for city, country, headcount in spec["sites"]:
                ProviderSite.objects.get_or_create(
                    provider=provider, city=city, country=country, defaults={"headcount": headcount}
                )
            name, currency, rates = spec["rate_card"]
            rate_card, _created = RateCard.objects.get_or_create(
                provider=provider,
                name=name,
                # Valid well before the six months of history, so every effort entry finds its rate.
                defaults={"currency": currency, "valid_from": self.world.day(-400)},
            )
            for role, rate in rates.items():
                RateCardEntry.objects.get_or_create(
                    rate_card=rate_card, role=role, defaults={"hourly_rate": Decimal(rate)}
                )
            for full_name, role, skills, languages in spec["team"]:
                member, _created = TeamMember.objects.get_or_create(
                    provider=provider,
                    full_name=full_name,
                    defaults={"role": role, "skills": skills, "languages": languages},
                )
                self.world.team[(key, full_name)] = member
        self._link_team_member_logins()

    def _link_team_member_logins(self) -> None:
        for email, _name, _tz, _lang, org_key, _roles, extras in people.PEOPLE:
            member_name = extras.get("team_member")
            if not member_name:
                continue
            member = self.world.team[(org_key, member_name)]
            user = self.world.users[email]
            if member.user_id is None and not TeamMember.objects.filter(user=user).exists():
                member.user = user
                member.save(update_fields=["user", "updated_at"])

    # --- recruiting -----------------------------------------------------------------------------

    def candidates(self) -> None:
        recruiter = self.world.users["consultant.recruiter@demo.kpo"]
        for (
            provider_key,
            full_name,
            email,
            phone,
            skills,
            education,
            source,
            stage,
            offset,
            notes,
            hire,
        ) in people.CANDIDATES:
            provider = self.world.providers[provider_key]
            candidate, created = Candidate.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": full_name,
                    "phone": phone,
                    "skills": skills,
                    "education": education,
                    "source": source,
                    "stage": stage,
                    "notes": notes,
                    "provider": provider,
                    "recruiter": recruiter,
                },
            )
            # When the candidate reached their current stage (for a hire: the day they joined).
            stage_at = self.world.now + timedelta(days=offset)
            if created:
                # Sourced some weeks before reaching the current stage.
                sourced_at = stage_at - timedelta(days=21 if stage != CandidateStage.SOURCED else 0)
                Candidate.objects.filter(pk=candidate.pk).update(created_at=sourced_at, updated_at=stage_at)
            if stage == CandidateStage.HIRED and hire:
                member, member_created = TeamMember.objects.get_or_create(
                    provider=provider,
                    full_name=full_name,
                    defaults={"role": hire["role"], "skills": skills, "languages": hire["languages"]},
                )
                if member_created:
                    TeamMember.objects.filter(pk=member.pk).update(created_at=stage_at, updated_at=stage_at)
                if candidate.team_member_id is None:
                    candidate.team_member = member
                    candidate.save(update_fields=["team_member"])
                self.world.team[(provider_key, full_name)] = member
                self.world.joined[member.pk] = stage_at

    # --- engagements ----------------------------------------------------------------------------

    def sla_for(self, spec: dict, start: date, end: date | None) -> SLA:
        calendar = self.world.calendars[spec["provider"]]
        sampling_rate = Decimal(spec["sampling_rate"])
        sla = SLA.objects.create(
            name=f"{spec['title']} – SLA",
            calendar=calendar,
            effective_from=start,
            effective_until=end if end and end > start else None,
            sampling_rate=sampling_rate,
            sampling_minimum_per_week=2,
            service_credit_percent=Decimal("2.00"),
            service_credit_cap_percent=Decimal("10.00"),
        )
        SLATarget.objects.bulk_create(
            SLATarget(
                sla=sla,
                priority=priority,
                response_seconds=response,
                resolution_seconds=resolution,
                rework_resolution_seconds=rework if spec["rework_targets"] else None,
            )
            for priority, (response, resolution, rework) in portfolio.SLA_TARGETS.items()
        )
        targets = dict(portfolio.KPI_TARGETS)
        targets[Kpi.SAMPLING_COVERAGE] = sampling_rate
        KpiTarget.objects.bulk_create(
            KpiTarget(sla=sla, kpi=kpi, target=value) for kpi, value in targets.items()
        )
        return sla

    def engagements(self) -> None:
        executive = self.world.users[portfolio.EXEC]
        for spec in portfolio.ENGAGEMENTS:
            client = self.world.clients[spec["client"]]
            engagement = Engagement.objects.filter(client=client, title=spec["title"]).first()
            if engagement is None:
                start = self.world.day(spec["start"])
                end = self.world.day(spec["end"]) if spec["end"] is not None else None
                sla = (
                    self.sla_for(spec, start, end) if spec["status"] in portfolio.STATUSES_WITH_SLA else None
                )
                engagement = engagement_create(
                    client=client,
                    provider=self.world.providers[spec["provider"]],
                    title=spec["title"],
                    service_line=self.world.service_lines[spec["service_line"]],
                    scope=spec["scope"],
                    start_date=start,
                    budget=Decimal(spec["budget"]),
                    currency=spec["currency"],
                    actor=executive,
                    expected_outcomes=spec["expected_outcomes"],
                    end_date=end,
                    is_proof_of_concept=spec["poc"],
                    status=spec["status"],
                    sla=sla,
                )
                # Agreed a few weeks before work started (or recently, for what is still being discussed).
                created_at = min(
                    self.world.now - timedelta(days=3), self.world.now + timedelta(days=spec["start"] - 21)
                )
                Engagement.objects.filter(pk=engagement.pk).update(created_at=created_at)
            for email, role in spec["consultants"]:
                engagement_attach_consultant(
                    engagement=engagement, user=self.world.users[email], role=role, actor=executive
                )
            self.world.engagements[spec["key"]] = engagement
