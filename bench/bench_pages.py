"""Page speed over the 1M-task data set: the engagement list, the task board and the engagement detail.

For each page, in one run: the server time of a full request through Django (middleware, view, template;
the test client, so no network), p50 and p95 over repeated requests, and the time the same SQL takes run
alone (every statement the page issued, replayed on a cursor and fetched; each replay right after a
request, so both see the machine in the same state), with the ratio and the query count.
Goals (issue 4): within 3x of the page's own SQL, under 150 ms at p95, a constant number of queries.
KPO_BENCH_TASKS scales the data set (default 1,000,000); KPO_BENCH_REPEAT the requests per page (30).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import postgres_available  # noqa: E402

# Server time as served: DEBUG off (as in production), so no query log or template debug bookkeeping.
os.environ.setdefault("DEBUG", "0")
TASKS = int(os.environ.get("KPO_BENCH_TASKS", "1000000"))
REPEAT = int(os.environ.get("KPO_BENCH_REPEAT", "30"))
WARMUP = 3


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def runnable_sql(statements: list[str]) -> list[str]:
    return [
        # A server-side cursor (`.iterator()`) is captured as its DECLARE: replay the query it declares.
        re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ', "", s)
        for s in statements
        if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
    ]


def run_sql(runnable: list[str]) -> float:
    """The page's statements alone: executed and fetched, nothing else (the floor the page stands on)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in runnable:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
    return time.perf_counter() - started


def measure(client, url: str) -> tuple[list[float], list[float], list[str], int]:
    """Page and SQL samples taken in turn (page, its SQL, page, ...), so that both see the machine in the
    same state: on a shared machine speed drifts over seconds, and two blocks of samples taken one after
    the other would each catch a different moment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    statements = [q["sql"] for q in captured.captured_queries]
    runnable = runnable_sql(statements)
    run_sql(runnable)  # warm, as the page was
    pages, sqls = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        pages.append(time.perf_counter() - started)
        sqls.append(run_sql(runnable))
    return pages, sqls, statements, len(response.content)


def profile_sql(statements: list[str]) -> list[tuple[float, str]]:
    """Each statement's own median time over 5 runs (KPO_BENCH_SHOW_SQL): where the page's SQL time goes."""
    from django.db import connection

    timed = []
    for statement in statements:
        sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ', "", statement)
        if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "UPDATE", "INSERT")):
            timed.append((0.0, statement))
            continue
        runs = []
        with connection.cursor() as cursor:
            for _ in range(5):
                started = time.perf_counter()
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
                runs.append(time.perf_counter() - started)
        timed.append((percentile(runs, 0.5) * 1000, statement))
    return timed


def engagement_history(engagement, users) -> None:
    """What a year-old engagement has beside its tasks, so that the detail page is measured with every
    panel filled (the data set itself holds only tasks, their events and clocks): twelve months of KPI
    snapshots (the chart), quality reviews, published reports, comments and logged effort."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from engagements.choices import ReviewOutcome
    from engagements.models import Comment, QualityReview, Task, TimeEntry
    from providers.models import TeamMember
    from reports.choices import ReportStatus
    from reports.models import RecommendationReport, ReportVersion
    from sla.choices import Kpi, KpiStatus, PeriodKind
    from sla.models import KpiSnapshot

    today = timezone.now().date().replace(day=1)
    months = []
    for _ in range(12):
        today = (today - timedelta(days=1)).replace(day=1)
        months.append(today)
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            engagement=engagement,
            sla_id=engagement.sla_id,
            kpi=kpi,
            period_kind=PeriodKind.MONTH,
            period_start=start,
            period_end=(start + timedelta(days=32)).replace(day=1) - timedelta(days=1),
            numerator=Decimal(90 + (i * 7 + k) % 10),
            denominator=Decimal(100),
            value=Decimal(90 + (i * 7 + k) % 10) / 100,
            target=Decimal("0.95"),
            status=KpiStatus.MET if (i * 7 + k) % 10 >= 5 else KpiStatus.BREACHED,
        )
        for i, start in enumerate(months)
        for k, kpi in enumerate(Kpi.values)
    )
    tasks = list(Task.objects.filter(engagement=engagement).order_by("-updated_at", "-id")[:40])
    client, author = users["client_staff"], users["consultant_executive"]
    now = timezone.now()
    QualityReview.objects.bulk_create(
        QualityReview(
            task=task,
            reviewer=client,
            accuracy_score=Decimal(80 + i),
            outcome=ReviewOutcome.ACCEPTED if i % 3 else ReviewOutcome.REWORK,
            reviewed_at=now - timedelta(hours=i),
        )
        for i, task in enumerate(tasks[:10])
    )
    Comment.objects.bulk_create(
        Comment(
            engagement=engagement,
            task=task if i % 2 else None,
            author=client,
            body=f"Comment {i} on the work.",
        )
        for i, task in enumerate(tasks[:30])
    )
    member = TeamMember.objects.create(provider=engagement.provider, full_name="Bench analyst")
    TimeEntry.objects.bulk_create(
        TimeEntry(
            task=task,
            team_member=member,
            work_date=date.today() - timedelta(days=i),
            hours=Decimal("2.50"),
            hourly_rate=Decimal("40.00"),
            currency=engagement.currency,
        )
        for i, task in enumerate(tasks)
    )
    for start in months[:5]:
        report = RecommendationReport.objects.create(
            engagement=engagement,
            author=author,
            title=f"Monthly review {start:%B %Y}",
            period_start=start,
            period_end=start + timedelta(days=27),
            status=ReportStatus.READY,
        )
        # A published version (its PDF is not opened by the page, only its being ready is read).
        ReportVersion.objects.create(
            report=report,
            number=1,
            status=ReportStatus.READY,
            file=f"reports/bench-{report.pk}.pdf",
            file_size=1,
            content_sha256="0" * 64,
        )


def main() -> None:
    if not postgres_available():
        print("bench_pages: PostgreSQL is not reachable on 127.0.0.1:5432; skipped")
        return
    from _dataset import bench_dataset

    with bench_dataset("pages", tasks=TASKS) as world:
        from django.test import Client
        from django.urls import reverse

        from engagements.models import Task

        print(f"data set: {Task.objects.count():,} tasks over {len(world.engagements)} engagements")
        first = world.engagements[0]
        engagement_history(first, world.users)
        pages = [
            ("engagement list", "consultant_executive", reverse("engagements:list")),
            ("task board", "provider_manager", reverse("engagements:board")),
            ("engagement detail", "client_staff", reverse("engagements:detail", args=[first.pk])),
        ]
        print(
            f"{'page':<20} {'as':<22} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL p95':>8} "
            f"{'ratio p50':>9} {'ratio p95':>9} {'queries':>7} {'KiB':>6}"
        )
        verdicts = []
        for label, persona, url in pages:
            client = Client()
            client.force_login(world.users[persona])
            page, sql, statements, size = measure(client, url)
            p50, p95 = percentile(page, 0.5), percentile(page, 0.95)
            s50, s95 = percentile(sql, 0.5), percentile(sql, 0.95)
            print(
                f"{label:<20} {persona:<22} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {s50 * 1000:8.1f} "
                f"{s95 * 1000:8.1f} {p50 / s50:8.2f}x {p95 / s95:8.2f}x {len(statements):7d} {size / 1024:6.0f}"
            )
            verdicts.append((label, p95 < 0.150, p50 / s50 <= 3))
            if os.environ.get("KPO_BENCH_SHOW_SQL"):
                for ms, statement in profile_sql(statements):
                    print(f"    {ms:7.2f} ms  {statement[:300]}")
            if os.environ.get("KPO_BENCH_SQL_DUMP"):
                dump = Path(os.environ["KPO_BENCH_SQL_DUMP"]) / f"{label.replace(' ', '_')}.sql"
                dump.parent.mkdir(parents=True, exist_ok=True)
                dump.write_text("".join(f"{s};\n\n" for s in statements))
        for label, fast, near_floor in verdicts:
            print(
                f"goals, {label}: p95 < 150 ms {'met' if fast else 'NOT met'}; "
                f"within 3x of its SQL {'met' if near_floor else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
