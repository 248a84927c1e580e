"""Benchmark of provider matching: rank 1,000 generated providers for a client's need.

A throw-away PostgreSQL database (bench/_harness.py) gets 1,000 providers, each with its organisation, a
business calendar (Monday-Friday, one or two shifts) in one of eight time zones, one to three of five
service lines, zero to four certifications (a quarter of them expired, some expiring soon), one to three
sites, and a delivery record: 300 engagements with 20 tasks each (resolution clocks met or breached,
delivered and reworked status events, a quality review for half of them).

Timed, each REPEAT times after a warm-up, for an operator (who sees every engagement, so the delivery
aggregates cover all 6,000 tasks) and for a broker (the whole directory, no engagement):
  rows    providers.selectors.provider_match_rows (8 queries)
  rank    providers.matching.rank over those rows (pure Python)
  page    GET /providers/match/?... through Django's test client (login, form, rows, rank, template)
Figures are printed, never asserted. Goal: p95 of the page under 200 ms.

Run from the repository root: .venv/bin/python bench/bench_matching.py [--profile]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import bench_database, postgres_available  # noqa: E402

PROVIDERS, ENGAGEMENTS, TASKS_PER_ENGAGEMENT, REPEAT = 1_000, 300, 20, 40
GOAL_P95_MS = 200
PROFILE = "--profile" in sys.argv  # print where one broker page request spends its time
ZONES = [
    "Asia/Kolkata",
    "Asia/Manila",
    "Europe/Warsaw",
    "Europe/Dublin",
    "America/Bogota",
    "Africa/Cairo",
    "Asia/Ho_Chi_Minh",
    "America/Mexico_City",
]
COUNTRIES = ["IN", "PH", "PL", "IE", "CO", "EG", "VN", "MX"]
LANGUAGES = ["English", "Hindi", "Tagalog", "Polish", "Spanish", "Arabic", "Vietnamese", "French", "German"]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def build(rng: random.Random):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from engagements.choices import EngagementStatus, TaskEventKind, TaskStatus
    from engagements.models import Client, Engagement, QualityReview, Task, TaskEvent
    from kpo.accounts.choices import OrganisationKind, Role
    from kpo.accounts.models import Organisation, User
    from kpo.accounts.services import membership_grant
    from providers.choices import CertificationStandard
    from providers.models import Certification, Provider, ProviderSite, ServiceLine
    from sla.choices import ClockKind, ClockState
    from sla.models import BusinessCalendar, TaskClock, WorkingInterval

    today = date.today()
    lines = [ServiceLine.objects.create(code=f"line-{i}", name=f"Service line {i}") for i in range(5)]
    names = [f"Bench provider {i:04d}" for i in range(PROVIDERS)]
    # Each organisation owns a permission group (Organisation.save makes it; bulk_create does not).
    groups = Group.objects.bulk_create([Group(name=f"org:provider:{name}") for name in names])
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(name=name, kind=OrganisationKind.PROVIDER, group=group)
            for name, group in zip(names, groups, strict=True)
        ]
    )
    calendars = BusinessCalendar.objects.bulk_create(
        [
            BusinessCalendar(name=f"Bench calendar {i:04d}", time_zone=ZONES[i % len(ZONES)])
            for i in range(PROVIDERS)
        ]
    )
    intervals = []
    for i, calendar in enumerate(calendars):
        split = i % 3 == 0
        for weekday in range(5):
            if split:
                intervals.append(
                    WorkingInterval(calendar=calendar, weekday=weekday, start_minute=480, end_minute=720)
                )
                intervals.append(
                    WorkingInterval(calendar=calendar, weekday=weekday, start_minute=780, end_minute=1020)
                )
            else:
                start = rng.choice([7, 8, 9, 10]) * 60
                intervals.append(
                    WorkingInterval(
                        calendar=calendar, weekday=weekday, start_minute=start, end_minute=start + 480
                    )
                )
    WorkingInterval.objects.bulk_create(intervals, batch_size=5000)
    providers = Provider.objects.bulk_create(
        [
            Provider(
                organisation=organisation,
                name=organisation.name,
                country=COUNTRIES[i % len(COUNTRIES)],
                time_zone=ZONES[i % len(ZONES)],
                languages=", ".join(["English", *rng.sample(LANGUAGES[1:], rng.randint(0, 3))]),
                headcount=rng.randint(5, 800),
                default_calendar=calendars[i] if i % 10 else None,  # one in ten without a calendar
            )
            for i, organisation in enumerate(organisations)
        ]
    )
    through = Provider.service_lines.through
    through.objects.bulk_create(
        [
            through(provider_id=p.pk, serviceline_id=line.pk)
            for p in providers
            for line in rng.sample(lines, rng.randint(1, 3))
        ]
    )
    certifications, sites = [], []
    for p in providers:
        for standard in rng.sample(CertificationStandard.values, rng.randint(0, 4)):
            roll = rng.random()
            expires = today + timedelta(days=rng.randint(-400, -1) if roll < 0.25 else rng.randint(10, 900))
            certifications.append(
                Certification(
                    provider=p,
                    standard=standard,
                    issued_on=expires - timedelta(days=1095),
                    expires_on=expires,
                )
            )
        for k, country in enumerate(rng.sample(COUNTRIES, rng.randint(1, 3))):
            sites.append(
                ProviderSite(provider=p, city=f"City {k}", country=country, headcount=rng.randint(5, 300))
            )
    Certification.objects.bulk_create(certifications, batch_size=5000)
    ProviderSite.objects.bulk_create(sites, batch_size=5000)

    client_org = Organisation.objects.create(name="Bench client", kind=OrganisationKind.CLIENT)
    client = Client.objects.create(
        organisation=client_org,
        name="Bench client",
        country="FR",
        time_zone="Europe/Paris",
        currency="EUR",
        in_house_hourly_cost=Decimal("95.00"),
    )
    engagements = Engagement.objects.bulk_create(
        [
            Engagement(
                client=client,
                provider=providers[rng.randrange(PROVIDERS)],
                title=f"Bench engagement {i}",
                service_line=lines[i % len(lines)],
                scope="Bench",
                start_date=date(2025, 1, 6),
                budget=Decimal("1000.00"),
                currency="EUR",
                status=EngagementStatus.ACTIVE,
            )
            for i in range(ENGAGEMENTS)
        ]
    )
    tasks = Task.objects.bulk_create(
        [
            Task(
                engagement=e, title=f"Task {j}", specification="Bench", status=TaskStatus.DELIVERED, version=3
            )
            for e in engagements
            for j in range(TASKS_PER_ENGAGEMENT)
        ],
        batch_size=5000,
    )
    at = datetime(2026, 1, 5, 12, tzinfo=UTC)
    clocks, events, reviews = [], [], []
    for t in tasks:
        met = rng.random() < 0.85
        clocks.append(
            TaskClock(
                task=t,
                kind=ClockKind.RESOLUTION,
                state=ClockState.MET if met else ClockState.BREACHED,
                stopped_at=at,
            )
        )
        events.append(
            TaskEvent(
                task=t,
                kind=TaskEventKind.STATUS,
                occurred_at=at,
                from_status="in_progress",
                to_status="delivered",
                task_version=2,
            )
        )
        if rng.random() < 0.1:
            events.append(
                TaskEvent(
                    task=t,
                    kind=TaskEventKind.STATUS,
                    occurred_at=at + timedelta(hours=1),
                    from_status="delivered",
                    to_status="rework_requested",
                    task_version=3,
                )
            )
        if rng.random() < 0.5:
            reviews.append(
                QualityReview(
                    task=t, accuracy_score=Decimal(rng.randint(70, 100)), outcome="accepted", reviewed_at=at
                )
            )
    TaskClock.objects.bulk_create(clocks, batch_size=5000)
    TaskEvent.objects.bulk_create(events, batch_size=5000)
    QualityReview.objects.bulk_create(reviews, batch_size=5000)

    consultancy = Organisation.objects.create(name="Bench consultancy", kind=OrganisationKind.CONSULTANCY)
    password = make_password("bench")
    broker = User.objects.create(email="broker@bench.example", full_name="Bench Broker", password=password)
    membership_grant(user=broker, organisation=consultancy, role=Role.CONSULTANT_BROKER)
    operator = User.objects.create(
        email="operator@bench.example", full_name="Bench Operator", password=password, is_staff=True
    )
    return {"broker": broker, "operator": operator, "line": lines[0]}


@contextmanager
def counting():
    """The queries run inside the block, counted on the connection (request signals reset Django's log)."""
    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append((sql, (time.perf_counter() - started) * 1000))

    with connection.execute_wrapper(count):
        yield executed


def measure(fn) -> list[float]:
    fn()  # warm-up: caches of zone conversions, templates, connections
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    if not postgres_available():
        print("PostgreSQL is not reachable on 127.0.0.1:5432; nothing measured.")
        return 1
    with bench_database("matching"):
        from django.conf import settings
        from django.test import Client
        from django.utils import timezone

        settings.ALLOWED_HOSTS = ["*"]
        from providers.matching import Need, rank
        from providers.selectors import provider_match_rows

        started = time.perf_counter()
        world = build(random.Random(7))
        print(
            f"built {PROVIDERS} providers, {ENGAGEMENTS * TASKS_PER_ENGAGEMENT} tasks with a delivery record "
            f"in {time.perf_counter() - started:.1f} s (PostgreSQL)"
        )
        need = Need(
            on=timezone.localdate(),
            service_line_id=world["line"].pk,
            service_line_name=world["line"].name,
            certifications=(("iso27001", "ISO/IEC 27001"),),
            languages=("English",),
            countries=("IN", "PH"),
            min_capacity=50,
            client_time_zone="Europe/Paris",
            min_overlap_hours=Decimal("2"),
        )
        query = {
            "service_line": world["line"].pk,
            "certifications": ["iso27001"],
            "languages": "English",
            "countries": "IN, PH",
            "min_capacity": 50,
            "client_time_zone": "Europe/Paris",
            "min_overlap_hours": "2",
        }
        print(f"{'viewer':<9} {'step':<6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  notes")
        worst_page_p95 = 0.0
        for who in ("operator", "broker"):
            user = world[who]
            rows = provider_match_rows(user)
            ranking = rank(rows, need)
            with counting() as queries:
                provider_match_rows(user)
            browser = Client()
            browser.force_login(user)
            response = browser.get("/providers/match/", query)
            assert response.status_code == 200, response.status_code
            with counting() as page_queries:
                browser.get("/providers/match/", query)
            if PROFILE:
                for sql, ms in queries:
                    print(f"  {ms:7.1f} ms  {sql[:110]}")
            if PROFILE and who == "broker":
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(browser.get, "/providers/match/", query)
                stats = pstats.Stats(profiler).sort_stats("cumulative")
                stats.print_stats(
                    "providers/|forms/|widgets|matching|selectors|query.py|compiler|template", 30
                )
            figures = {
                "rows": (measure(lambda u=user: provider_match_rows(u)), f"{len(queries)} queries"),
                "rank": (
                    measure(lambda r=rows: rank(r, need)),
                    f"{len(ranking.matches)} ranked, {len(ranking.excluded)} excluded",
                ),
                "page": (
                    measure(lambda b=browser: b.get("/providers/match/", query)),
                    f"{len(page_queries)} queries",
                ),
            }
            for step, (samples, note) in figures.items():
                p95 = percentile(samples, 95)
                print(
                    f"{who:<9} {step:<6} {statistics.median(samples):8.1f} {p95:8.1f} {max(samples):8.1f}  {note}"
                )
                if step == "page":
                    worst_page_p95 = max(worst_page_p95, p95)
        load = os.getloadavg()[0]
        print(
            f"load average while measuring: {load:.1f} on {os.cpu_count()} cores (other work inflates the figures)"
        )
        verdict = "met" if worst_page_p95 < GOAL_P95_MS else "NOT met"
        print(
            f"goal: page p95 < {GOAL_P95_MS} ms for {PROVIDERS} providers: worst {worst_page_p95:.1f} ms, "
            f"{worst_page_p95 / GOAL_P95_MS:.2f}x the budget ({verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
