"""The shared test harness: eager Celery, a fast password hasher, the personas and their world.

The personas (like healthchecks' Alice, Bob and Charlie) hang off shared organisation fixtures, so
requesting `world` and `client_staff` in one test gives the same client A:

    client A (client_staff, client_sme, client_admin)      client B (other_client_staff)
    provider P (provider_manager, provider_analyst)         provider Q (other_provider_manager)
    consultancy (consultant_executive, consultant_analyst, consultant_broker, consultant_recruiter)
    operator (platform staff, no organisation)

    engagement_ap = client A + provider P (executive and analyst consultants attached)
    engagement_bp = client B + provider P
    engagement_aq = client A + provider Q
"""

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test.utils import override_settings

from engagements.choices import ConsultantRole, EngagementStatus, TaskStatus
from engagements.services import engagement_attach_consultant, task_transition
from kpo.accounts.choices import OrganisationKind, Role
from providers.choices import StaffRole
from sla.choices import Priority

from .factories import (
    ClientFactory,
    OrganisationFactory,
    ProviderFactory,
    RateCardEntryFactory,
    RateCardFactory,
    ServiceLineFactory,
    SLAFactory,
    TeamMemberFactory,
    UserFactory,
    make_engagement,
    make_member,
    make_task,
)

PERSONAS = (
    "client_staff",
    "client_sme",
    "client_admin",
    "other_client_staff",
    "provider_manager",
    "provider_analyst",
    "other_provider_manager",
    "consultant_executive",
    "consultant_analyst",
    "consultant_broker",
    "consultant_recruiter",
    "operator",
)


# --- harness -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run Celery tasks in-process and let their errors propagate, except in `services` tests."""
    if request.node.get_closest_marker("services"):
        yield
        return
    from kpo.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is thrown away: on PostgreSQL its commits need not wait for the disk (every
    connection, the Celery worker's included, takes the database's setting)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            name = connection.settings_dict["NAME"]
            cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            cursor.execute("SET synchronous_commit = off")


@pytest.fixture(autouse=True, scope="session")
def _browser_world_early(request, tmp_path_factory):
    """The browser tests' demo database takes a minute to seed: start it with the session, in the
    background, so it is ready (or nearly) when they come."""
    from tests.browser import _server

    if Path(_server.CHROMIUM).exists() and any(
        item.nodeid.startswith("tests/browser/") for item in request.session.items
    ):
        _server.prepare(tmp_path_factory)
    yield
    _server.close()  # when the browser tests did not get to it


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Hashing with PBKDF2 for every persona would dominate the run; MD5 is fine for tests."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _private_cache():
    """A per-process memory cache: with Redis the tests would share throttle counters with each other
    (and clearing it would flush the Celery broker's database)."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache(_private_cache):
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in as `user` and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# --- organisations -------------------------------------------------------------------------------


@pytest.fixture
def service_line(db):
    return ServiceLineFactory(code="financial-analysis", name="Financial analysis and research")


@pytest.fixture
def client_a(db):
    return ClientFactory(name="Northwind Bank", country="IE", time_zone="Europe/Dublin", currency="EUR")


@pytest.fixture
def client_b(db):
    return ClientFactory(name="Contoso Pharma", country="FR", time_zone="Europe/Paris", currency="EUR")


@pytest.fixture
def provider_p(db, service_line):
    provider = ProviderFactory(name="Prism Analytics", country="IN", time_zone="Asia/Kolkata")
    provider.service_lines.add(service_line)
    return provider


@pytest.fixture
def provider_q(db, service_line):
    provider = ProviderFactory(name="Quanta Research", country="PH", time_zone="Asia/Manila")
    provider.service_lines.add(service_line)
    return provider


@pytest.fixture
def consultancy(db):
    return OrganisationFactory(name="Meridian Advisory", kind=OrganisationKind.CONSULTANCY)


# --- personas ------------------------------------------------------------------------------------


@pytest.fixture
def client_staff(client_a):
    return make_member(
        client_a.organisation, Role.CLIENT_STAFF, email="staff@northwind.example", full_name="Alice Staff"
    )


@pytest.fixture
def client_sme(client_a):
    return make_member(
        client_a.organisation, Role.CLIENT_SME, email="sme@northwind.example", full_name="Sam Reviewer"
    )


@pytest.fixture
def client_admin(client_a):
    return make_member(
        client_a.organisation, Role.CLIENT_ADMIN, email="admin@northwind.example", full_name="Ada Admin"
    )


@pytest.fixture
def other_client_staff(client_b):
    return make_member(
        client_b.organisation, Role.CLIENT_STAFF, email="staff@contoso.example", full_name="Bob Other"
    )


@pytest.fixture
def provider_manager(provider_p):
    return make_member(
        provider_p.organisation,
        Role.PROVIDER_MANAGER,
        email="manager@prism.example",
        full_name="Priya Manager",
    )


@pytest.fixture
def provider_analyst(provider_p):
    """A provider analyst with a login, linked to a TeamMember of provider P (see `analyst_member`)."""
    user = make_member(
        provider_p.organisation,
        Role.PROVIDER_ANALYST,
        email="analyst@prism.example",
        full_name="Arjun Analyst",
    )
    TeamMemberFactory(provider=provider_p, user=user, full_name=user.full_name, role=StaffRole.ANALYST)
    return user


@pytest.fixture
def analyst_member(provider_analyst):
    """The provider analyst's TeamMember row."""
    return provider_analyst.team_member


@pytest.fixture
def other_team_member(provider_p):
    """Another team member of provider P, without a login."""
    return TeamMemberFactory(provider=provider_p, full_name="Neha Colleague", role=StaffRole.SENIOR_ANALYST)


@pytest.fixture
def provider_q_member(provider_q):
    return TeamMemberFactory(provider=provider_q, full_name="Quentin Member", role=StaffRole.ANALYST)


@pytest.fixture
def other_provider_manager(provider_q):
    return make_member(
        provider_q.organisation,
        Role.PROVIDER_MANAGER,
        email="manager@quanta.example",
        full_name="Quinn Manager",
    )


@pytest.fixture
def consultant_executive(consultancy):
    return make_member(
        consultancy, Role.CONSULTANT_EXECUTIVE, email="executive@meridian.example", full_name="Eve Executive"
    )


@pytest.fixture
def consultant_analyst(consultancy):
    return make_member(
        consultancy, Role.CONSULTANT_ANALYST, email="analyst@meridian.example", full_name="Carl Analyst"
    )


@pytest.fixture
def consultant_broker(consultancy):
    return make_member(
        consultancy, Role.CONSULTANT_BROKER, email="broker@meridian.example", full_name="Bea Broker"
    )


@pytest.fixture
def consultant_recruiter(consultancy):
    return make_member(
        consultancy, Role.CONSULTANT_RECRUITER, email="recruiter@meridian.example", full_name="Rita Recruiter"
    )


@pytest.fixture
def operator(db):
    """Platform staff: no organisation, sees everything."""
    return UserFactory(email="operator@kpo-desk.example", full_name="Otto Operator", is_staff=True)


@pytest.fixture
def personas(
    client_staff,
    client_sme,
    client_admin,
    other_client_staff,
    provider_manager,
    provider_analyst,
    other_provider_manager,
    consultant_executive,
    consultant_analyst,
    consultant_broker,
    consultant_recruiter,
    operator,
):
    """Every persona by fixture name, for permission matrices."""
    return {
        "client_staff": client_staff,
        "client_sme": client_sme,
        "client_admin": client_admin,
        "other_client_staff": other_client_staff,
        "provider_manager": provider_manager,
        "provider_analyst": provider_analyst,
        "other_provider_manager": other_provider_manager,
        "consultant_executive": consultant_executive,
        "consultant_analyst": consultant_analyst,
        "consultant_broker": consultant_broker,
        "consultant_recruiter": consultant_recruiter,
        "operator": operator,
    }


# --- the world -----------------------------------------------------------------------------------


@pytest.fixture
def world(
    client_a,
    client_b,
    provider_p,
    provider_q,
    consultancy,
    service_line,
    personas,
    analyst_member,
    other_team_member,
    provider_q_member,
):
    """Three engagements between the personas' organisations, with tasks on each (see the module docstring).

    task_ap_ready   engagement_ap, ready, assigned to the provider analyst's team member
    task_ap_other   engagement_ap, ready, assigned to another team member of P
    task_ap_draft   engagement_ap, draft, unassigned
    task_bp         engagement_bp, ready, assigned to the other team member of P
    task_aq         engagement_aq, ready, assigned to a team member of Q

    All three engagements are active, in EUR. engagement_ap runs under `sla` (targets P1-P4) on provider
    P's calendar (Asia/Kolkata, Mon-Fri 09:00-17:00). Rate cards from 2024-01-01, open-ended: P analyst 40,
    senior analyst 55, SME 70, delivery manager 80 EUR/h; Q analyst 35 EUR/h. The tasks' release events
    are published but not dispatched (tests run in a transaction that never commits).
    """
    p = SimpleNamespace(**personas)
    sla = SLAFactory(
        name="Prism standard SLA", calendar=provider_p.default_calendar, effective_from=date(2025, 1, 1)
    )
    rate_card_p = RateCardFactory(
        provider=provider_p, name="Prism 2025", currency="EUR", valid_from=date(2024, 1, 1)
    )
    for role, rate in (
        (StaffRole.ANALYST, "40.00"),
        (StaffRole.SENIOR_ANALYST, "55.00"),
        (StaffRole.SME, "70.00"),
        (StaffRole.DELIVERY_MANAGER, "80.00"),
    ):
        RateCardEntryFactory(rate_card=rate_card_p, role=role, hourly_rate=Decimal(rate))
    rate_card_q = RateCardFactory(
        provider=provider_q, name="Quanta 2025", currency="EUR", valid_from=date(2024, 1, 1)
    )
    RateCardEntryFactory(rate_card=rate_card_q, role=StaffRole.ANALYST, hourly_rate=Decimal("35.00"))

    engagement_ap = make_engagement(
        client=client_a,
        provider=provider_p,
        title="Peer benchmarking",
        service_line=service_line,
        currency="EUR",
        status=EngagementStatus.ACTIVE,
        sla=sla,
        actor=p.operator,
    )
    engagement_attach_consultant(
        engagement=engagement_ap, user=p.consultant_executive, role=ConsultantRole.EXECUTIVE, actor=p.operator
    )
    engagement_attach_consultant(
        engagement=engagement_ap, user=p.consultant_analyst, role=ConsultantRole.ANALYST, actor=p.operator
    )
    engagement_bp = make_engagement(
        client=client_b,
        provider=provider_p,
        title="Clinical literature review",
        service_line=service_line,
        status=EngagementStatus.ACTIVE,
        actor=p.operator,
    )
    engagement_aq = make_engagement(
        client=client_a,
        provider=provider_q,
        title="Competitor pricing watch",
        service_line=service_line,
        currency="EUR",
        status=EngagementStatus.ACTIVE,
        actor=p.operator,
    )

    def ready_task(engagement, title, assignee, released_by, priority=Priority.P3):
        task = make_task(
            engagement=engagement, title=title, assignee=assignee, priority=priority, actor=released_by
        )
        task_transition(
            task=task, to=TaskStatus.READY, actor=released_by, version=task.version, note="Released"
        )
        return task

    return SimpleNamespace(
        client_a=client_a,
        client_b=client_b,
        provider_p=provider_p,
        provider_q=provider_q,
        consultancy=consultancy,
        service_line=service_line,
        sla=sla,
        rate_card_p=rate_card_p,
        rate_card_q=rate_card_q,
        analyst_member=analyst_member,
        other_team_member=other_team_member,
        provider_q_member=provider_q_member,
        engagement_ap=engagement_ap,
        engagement_bp=engagement_bp,
        engagement_aq=engagement_aq,
        task_ap_ready=ready_task(
            engagement_ap, "Q3 filings summary", analyst_member, p.client_staff, Priority.P2
        ),
        task_ap_other=ready_task(engagement_ap, "Peer margin table", other_team_member, p.client_staff),
        task_ap_draft=make_task(engagement=engagement_ap, title="Draft scoping note", actor=p.client_staff),
        task_bp=ready_task(engagement_bp, "Trial outcomes digest", other_team_member, p.other_client_staff),
        task_aq=ready_task(engagement_aq, "Price list scrape", provider_q_member, p.client_staff),
    )
