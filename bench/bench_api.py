"""Task list API latency over a large PostgreSQL data set, against the floor of a bare query + json.dumps.

For a 50-row and a 500-row page, as an operator (every task) and as a client's staff member (their
engagement's tasks only, through the permission selectors), prints p50/p95 of
GET /api/v1/tasks/?page_size=N through the whole Django stack (middleware, auth, throttles, filters,
cursor pagination, serializer, JSON renderer) and of the floor: the same rows fetched with a bare
`.values()` query and serialised with `json.dumps` (API and floor sampled in turn, so both see the machine
in the same state). Then the ratios and the query counts. Figures only.

Goal (docs/quality): p95 < 100 ms for 50 rows, within 3x of the floor.
KPO_BENCH_TASKS scales the data set (default 1,000,000); KPO_BENCH_RUNS the samples per measure (default 40).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("KPO_API_RATE_USER", "1000000/min")
os.environ.setdefault("KPO_API_RATE_TOKEN", "1000000/min")
from _harness import peak_rss_mb, postgres_available  # noqa: E402

TASKS = int(os.environ.get("KPO_BENCH_TASKS", "1000000"))
# Server time as served: DEBUG off (as in production), so no query log bookkeeping.
os.environ.setdefault("DEBUG", "0")
RUNS = int(os.environ.get("KPO_BENCH_RUNS", "40"))
PAGE_SIZES = (50, 500)
FLOOR_FIELDS = (
    "id",
    "engagement_id",
    "engagement__title",
    "title",
    "status",
    "priority",
    "task_type",
    "assignee_id",
    "assignee__full_name",
    "contractual_due_at",
    "estimated_hours",
    "version",
    "created_at",
    "updated_at",
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(fn) -> tuple[float, float]:
    for _ in range(3):
        fn()  # warm caches and the plan
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def measure_in_turn(api, floor) -> tuple[list[float], list[float]]:
    """API and floor samples taken in turn (API, floor, API, ...), so that both see the machine in the
    same state: on a shared machine speed drifts over seconds, and two blocks of samples taken one after
    the other would each catch a different moment."""
    for _ in range(3):
        api(), floor()  # warm caches and plans
    api_samples, floor_samples = [], []
    for _ in range(RUNS):
        for fn, samples in ((api, api_samples), (floor, floor_samples)):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
    return api_samples, floor_samples


def main() -> None:
    if not postgres_available():
        print("bench_api: PostgreSQL is not reachable on 127.0.0.1:5432; skipped")
        return
    from _dataset import bench_dataset

    with bench_dataset("api", tasks=TASKS) as world:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from engagements.models import Task
        from kpo.accounts.models import User
        from kpo.accounts.services import token_rotate

        engagements = world.engagements
        print(f"data set: {Task.objects.count():,} tasks (the shared benchmark data set, cloned)")

        operator = User.objects.create_user(email="ops@bench.example", password=None, is_staff=True)
        staff = world.users["client_staff"]
        personas = {
            "operator": (operator, Task.objects.all()),
            "client staff": (staff, Task.objects.filter(engagement_id=engagements[0].pk)),
        }
        print(
            f"{'persona':<13}{'rows':>5}  {'API p50':>8} {'API p95':>8}  {'floor p50':>9} {'floor p95':>9}  "
            f"{'p50 x':>6} {'p95 x':>6}  {'queries':>7}"
        )
        for label, (user, rows) in personas.items():
            # An integration: token authentication (a browser session also saves its session each request).
            client = Client(HTTP_AUTHORIZATION=f"Token {token_rotate(user=user).key}")
            for size in PAGE_SIZES:
                url = f"/api/v1/tasks/?page_size={size}"

                def api_call(url=url, client=client):
                    response = client.get(url)
                    assert response.status_code == 200, response.content[:300]
                    return response

                def floor(rows=rows, size=size):
                    values = list(rows.order_by("-id").values(*FLOOR_FIELDS)[:size])
                    return json.dumps(values, default=str)

                api_call()  # once first: per-process lookups (e.g. the view permission's id) are not per request
                with CaptureQueriesContext(connection) as queries:
                    body = api_call().json()
                query_count = len(queries)  # now: each request resets the connection's query log
                assert len(body["results"]) == size, len(body["results"])
                api_samples, floor_samples = measure_in_turn(api_call, floor)
                api_p50, api_p95 = statistics.median(api_samples), percentile(api_samples, 0.95)
                floor_p50, floor_p95 = statistics.median(floor_samples), percentile(floor_samples, 0.95)
                print(
                    f"{label:<13}{size:>5}  {api_p50:>6.1f}ms {api_p95:>6.1f}ms  {floor_p50:>7.1f}ms "
                    f"{floor_p95:>7.1f}ms  {api_p50 / floor_p50:>5.1f}x {api_p95 / floor_p95:>5.1f}x  "
                    f"{query_count:>7}"
                )
            # The page after next: a cursor page deep in the set costs the same as the first.
            first = client.get("/api/v1/tasks/?page_size=50").json()
            second = first["next"].split("testserver", 1)[-1]
            p50, p95 = measure(lambda second=second, client=client: client.get(second))
            print(f"{label:<13}   50  next page via cursor: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        print(f"peak memory {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
