"""Bulk SLA clock recompute over 1,000,000 tasks in PostgreSQL, against the physical floor.

Prints: generation time, the full recompute (first write, nothing changed, SLA changed), a bare UPDATE
rewriting the same clock columns of the same rows (the floor), tasks/second, the ratios, the open-task
recompute (the beat job's working set: 10% of the tasks, scattered) and the peak memory of this process.
The SLA-changed recompute and the floor alternate (KPO_BENCH_ROUNDS pairs, default 2), each floor right
after its recompute on a table in the same state, and each pair's ratio is printed: the machine is shared.
Figures only; nothing is asserted. Set KPO_BENCH_TASKS to run a smaller set (default 1,000,000).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_database, peak_rss_mb, postgres_available, timed  # noqa: E402

TASKS = int(os.environ.get("KPO_BENCH_TASKS", "1000000"))
OPEN_SHARE = 10  # one task in ten is still open (in progress): 100,000 of a million
BATCH = 200_000
ROUNDS = int(os.environ.get("KPO_BENCH_ROUNDS", "2"))  # SLA change + floor pairs
OPEN_ROUNDS = int(os.environ.get("KPO_BENCH_OPEN_ROUNDS", "5"))  # open-task recomputes (median printed)

# Event templates: (status after the event, minutes after the previous event); the first is creation.
TEMPLATES = [
    [("draft", 0), ("ready", 30), ("in_progress", 95), ("delivered", 1300), ("accepted", 900)],
    [
        ("draft", 0),
        ("ready", 10),
        ("in_progress", 400),
        ("on_hold", 200),
        ("in_progress", 2900),
        ("delivered", 600),
    ],
    [
        ("draft", 0),
        ("ready", 45),
        ("in_progress", 30),
        ("delivered", 700),
        ("rework_requested", 400),
        ("in_progress", 120),
        ("delivered", 300),
        ("accepted", 60),
    ],
    [("draft", 0), ("ready", 20), ("cancelled", 3000)],
    [("draft", 0), ("ready", 15), ("in_progress", 50)],  # open: the beat job's working set
]
OPEN_TEMPLATE = 4
CALENDARS = [
    ("Asia/Kolkata", "IN", [("09:30", "18:30")]),
    ("Asia/Manila", "PH", [("08:00", "12:00"), ("13:00", "17:00")]),
    ("Europe/Prague", "CZ", [("09:00", "17:00")]),
    ("Europe/Dublin", "IE", [("08:30", "17:30")]),
    ("America/New_York", "US", [("09:00", "13:00"), ("14:00", "18:00")]),
]


def build_world():
    from datetime import date

    from engagements.models import Client
    from engagements.services import engagement_create
    from kpo.accounts.choices import OrganisationKind
    from kpo.accounts.services import organisation_create
    from providers.models import Provider, ServiceLine
    from sla.models import SLA, BusinessCalendar, SLATarget, WorkingInterval

    line = ServiceLine.objects.create(code="research", name="Research")
    engagements = []
    for number, (zone, country, spans) in enumerate(CALENDARS):
        calendar = BusinessCalendar.objects.create(
            name=f"Bench {zone}", time_zone=zone, holiday_country=country
        )
        for day in range(5):
            for start, end in spans:
                h1, m1 = map(int, start.split(":"))
                h2, m2 = map(int, end.split(":"))
                WorkingInterval.objects.create(
                    calendar=calendar, weekday=day, start_minute=h1 * 60 + m1, end_minute=h2 * 60 + m2
                )
        sla = SLA.objects.create(
            name=f"Bench SLA {number}", calendar=calendar, effective_from=date(2020, 1, 1)
        )
        for p, (resp, res) in {"P1": (1, 8), "P2": (2, 16), "P3": (4, 24), "P4": (8, 40)}.items():
            SLATarget.objects.create(
                sla=sla,
                priority=p,
                response_seconds=resp * 3600,
                resolution_seconds=res * 3600,
                rework_resolution_seconds=res * 1800,
            )
        client = Client.objects.create(
            organisation=organisation_create(name=f"Bench client {number}", kind=OrganisationKind.CLIENT),
            name=f"Bench client {number}",
            country="GB",
            time_zone="Europe/London",
            in_house_hourly_cost=90,
        )
        provider = Provider.objects.create(
            organisation=organisation_create(name=f"Bench provider {number}", kind=OrganisationKind.PROVIDER),
            name=f"Bench provider {number}",
            country=country,
            time_zone=zone,
        )
        engagements.append(
            engagement_create(
                client=client,
                provider=provider,
                title=f"Bench engagement {number}",
                service_line=line,
                scope="Benchmark",
                start_date=date(2024, 1, 1),
                budget=1000000,
                currency="EUR",
                sla=sla,
            )
        )
    return engagements


def generate(engagements, tasks: int) -> None:
    """Tasks and their events, set-based: generate_series joined with the event templates."""
    from django.db import connection

    template_rows = ", ".join(
        f"({t}, {step}, '{status}', {minutes})"
        for t, template in enumerate(TEMPLATES)
        for step, (status, minutes) in enumerate(template)
    )
    last_status = ", ".join(
        f"({t}, '{template[-1][0]}', {len(template)})" for t, template in enumerate(TEMPLATES)
    )
    engagement_ids = "ARRAY[" + ", ".join(str(e.pk) for e in engagements) + "]"
    sla_ids = "ARRAY[" + ", ".join(str(e.sla_id) for e in engagements) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE tpl (t int, step int, status text, minutes int); INSERT INTO tpl VALUES {template_rows}"
        )
        cursor.execute(
            f"CREATE TEMP TABLE tpl_last (t int, status text, steps int); INSERT INTO tpl_last VALUES {last_status}"
        )
        # Template 4 (open) for every OPEN_SHARE-th task, the others spread over templates 0-3.
        cursor.execute(f"""
            CREATE TEMP TABLE gen AS
            SELECT g AS n,
                   CASE WHEN g % {OPEN_SHARE} = 0 THEN {OPEN_TEMPLATE} ELSE g % 4 END AS t,
                   ({engagement_ids})[1 + g % 5] AS engagement_id,
                   ({sla_ids})[1 + g % 5] AS sla_id,
                   'P' || (1 + (g / 7) % 4) AS priority,
                   CASE WHEN g % {OPEN_SHARE} = 0
                        THEN now() - interval '20 hours' + (g % 997) * interval '1 minute'
                        ELSE timestamptz '2025-01-01' + (g * 53 % 52000000) * interval '1 second' END AS t0
            FROM generate_series(1, {tasks}) g
        """)
        cursor.execute("""
            INSERT INTO engagements_task (engagement_id, title, specification, acceptance_criteria, priority,
                task_type, status, version, sla_id, sla_reason, created_at, updated_at)
            SELECT gen.engagement_id, 'Bench task ' || gen.n, 'Generated', '', gen.priority, 'research',
                   tl.status, tl.steps, gen.sla_id, 'bench', gen.t0, gen.t0
            FROM gen JOIN tpl_last tl ON tl.t = gen.t ORDER BY gen.n
        """)
        cursor.execute("""
            CREATE TEMP TABLE task_map AS
            SELECT t.id AS task_id, gen.t, gen.t0
            FROM engagements_task t JOIN gen ON t.title = 'Bench task ' || gen.n
        """)
        cursor.execute("""
            INSERT INTO engagements_taskevent (task_id, kind, occurred_at, from_status, to_status, from_value,
                to_value, note, task_version)
            SELECT m.task_id, 'status',
                   m.t0 + (SUM(tpl.minutes) OVER (PARTITION BY m.task_id ORDER BY tpl.step)) * interval '1 minute'
                        + ((m.task_id * 31 + tpl.step * 17) % 600) * interval '1 second' * (tpl.step > 0)::int,
                   COALESCE(LAG(tpl.status) OVER (PARTITION BY m.task_id ORDER BY tpl.step), ''),
                   tpl.status, '', '', '', tpl.step + 1
            FROM task_map m JOIN tpl ON tpl.t = m.t
        """)
        cursor.execute("ANALYZE engagements_task; ANALYZE engagements_taskevent")


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(tables))


def main() -> None:
    if not postgres_available():
        print("bench_sla_bulk: PostgreSQL is not reachable on 127.0.0.1:5432; skipped")
        return
    results: dict[str, float] = {}
    pairs: list[tuple[float, float]] = []
    open_runs: list[float] = []
    with bench_database("bulk"):
        from django.db import connection
        from django.db.models import Count, F

        from engagements.models import Task, TaskEvent
        from sla.bulk import CLOCK_COLUMNS, clocks_recompute_tasks
        from sla.models import SLATarget, TaskClock

        engagements = build_world()
        with timed("generate", results):
            generate(engagements, TASKS)
        # What autovacuum does to freshly loaded tables (PostgreSQL 13+ vacuums insert-only tables too): the
        # visibility map lets the history reads be index-only.
        vacuum("engagements_task", "engagements_taskevent")
        task_count, event_count = Task.objects.count(), TaskEvent.objects.count()
        ids = list(Task.objects.order_by("pk").values_list("pk", flat=True))
        open_ids = list(Task.objects.filter(status="in_progress").order_by("pk").values_list("pk", flat=True))
        print(
            f"generated {task_count:,} tasks with {event_count:,} events over {len(CALENDARS)} calendars "
            f"in {results['generate']:.1f} s",
            flush=True,
        )

        def recompute(task_ids):
            written = 0
            for offset in range(0, len(task_ids), BATCH):
                written += clocks_recompute_tasks(task_ids[offset : offset + BATCH])
            return written

        with timed("first", results):
            written = recompute(ids)
        vacuum("sla_taskclock")
        with timed("unchanged", results):
            recompute(ids)
        print(
            f"first write {results['first']:.2f} s; nothing changed {results['unchanged']:.2f} s", flush=True
        )
        # The floor: the same columns of the same rows rewritten by one bare UPDATE, no computation at all.
        floor_sql = "UPDATE sla_taskclock SET " + ", ".join(f"{c} = {c}" for c in CLOCK_COLUMNS)
        # One floor first, so that both sides then run on a table in the same steady state (every row
        # updated once and vacuumed: pages with room), not one on the freshly packed table.
        with connection.cursor() as cursor:
            cursor.execute(floor_sql)
        vacuum("sla_taskclock")
        for round_number in range(ROUNDS):
            # An SLA change: every budget moves, so every measured clock row is rewritten.
            sign = 1 if round_number % 2 == 0 else -1
            SLATarget.objects.update(
                resolution_seconds=F("resolution_seconds") + sign * 3600,
                response_seconds=F("response_seconds") + sign * 600,
            )
            with timed("rewrite", results):
                rewritten = recompute(ids)
            vacuum("sla_taskclock")
            with timed("floor", results), connection.cursor() as cursor:
                cursor.execute(floor_sql)
                floor_rows = cursor.rowcount
            vacuum("sla_taskclock")
            pairs.append((results["rewrite"], results["floor"]))
            print(
                f"round {round_number + 1}: SLA changed {results['rewrite']:.2f} s ({rewritten:,} rows written), "
                f"floor {results['floor']:.2f} s ({floor_rows:,} rows): "
                f"{results['rewrite'] / results['floor']:.2f}x",
                flush=True,
            )
        for _ in range(OPEN_ROUNDS):
            with timed("open", results):
                recompute(open_ids)
            open_runs.append(results["open"])
        states = dict(
            TaskClock.objects.filter(kind="resolution").values_list("state").annotate(n=Count("id"))
        )

    rewrite = statistics.median(r for r, _ in pairs)
    floor = statistics.median(f for _, f in pairs)
    ratio = statistics.median(r / f for r, f in pairs)
    print(
        f"clock rows written: {written:,} ({written // max(task_count, 1)} per task); floor rows: {floor_rows:,}"
    )
    print(f"resolution clocks by state: {states}")
    print(
        f"{'recompute, first write':<28} {results['first']:7.2f} s   {task_count / results['first']:>10,.0f} tasks/s"
    )
    print(
        f"{'recompute, nothing changed':<28} {results['unchanged']:7.2f} s   "
        f"{task_count / results['unchanged']:>10,.0f} tasks/s   ratio to floor {results['unchanged'] / floor:.2f}x"
    )
    print(
        f"{'recompute, SLA changed':<28} {rewrite:7.2f} s   {task_count / rewrite:>10,.0f} tasks/s   "
        f"(median of {len(pairs)}; each run against the floor measured right after it: "
        + ", ".join(f"{r / f:.2f}x" for r, f in pairs)
        + f"; median {ratio:.2f}x)"
    )
    print(f"{'floor: bare UPDATE':<28} {floor:7.2f} s   {task_count / floor:>10,.0f} tasks/s   (median)")
    print(
        f"{'open tasks only':<28} {statistics.median(open_runs):7.2f} s   ({len(open_ids):,} tasks; runs: "
        + ", ".join(f"{s:.2f}" for s in open_runs)
        + " s)"
    )
    print(f"peak memory of this process: {peak_rss_mb():.0f} MB")
    print(
        f"goals: within 2x of the floor: {'met' if max(r / f for r, f in pairs) <= 2 else 'NOT met'} "
        f"(worst {max(r / f for r, f in pairs):.2f}x); memory < 1 GiB: {'met' if peak_rss_mb() < 1024 else 'NOT met'}; "
        f"open tasks < 1 s: {'met' if statistics.median(open_runs) < 1 else 'NOT met'} (median)"
    )


if __name__ == "__main__":
    main()
