"""The benchmark data set (tasks with event histories and computed clocks), built once and cloned per run.

Generating a million tasks and computing their clocks takes minutes; the page and API benchmarks only
read, so the data set is kept as a PostgreSQL template database named after the task count and a
fingerprint of the generator, and each run gets a fresh copy
(`CREATE DATABASE ... TEMPLATE ...`, a file copy taking seconds). A changed generator
makes a new template (a migration added since the template was built is applied to each copy);
`python bench/_dataset.py drop` removes them all.

    with bench_dataset("pages", tasks=1_000_000) as world:
        world.users["provider_manager"], world.engagements[0] ...
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PG, ROOT  # noqa: E402

PG_ENV = dict(os.environ, PGHOST=PG["host"], PGPORT=PG["port"], PGUSER=PG["user"])
RECOMPUTE_BATCH = 200_000


def _fingerprint() -> str:
    digest = hashlib.sha256()
    # The generator only: a migration added later (an index, a column) is applied to each fresh copy by
    # `migrate` (seconds), instead of regenerating a million tasks whenever any app gains a migration.
    for path in [Path(__file__), ROOT / "bench" / "bench_sla_bulk.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-qtAX", "-d", database, "-c", sql], env=PG_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _exists(name: str) -> bool:
    return _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def template_name(tasks: int) -> str:
    return f"kpo_bench_tpl_{tasks}_{_fingerprint()}"


def _build_template(tasks: int) -> None:
    """Run in a subprocess: migrate a scratch database, generate, compute every clock, then rename it."""
    scratch = f"{template_name(tasks)}_building"
    subprocess.run(["dropdb", "--if-exists", scratch], env=PG_ENV, check=True)
    subprocess.run(["createdb", scratch], env=PG_ENV, check=True)
    os.environ["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpo.settings")
    import time

    import django

    django.setup()
    from bench_sla_bulk import build_world, generate
    from django.core.management import call_command
    from django.db import connection, connections

    from engagements.models import Task
    from sla.bulk import clocks_recompute_tasks

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    engagements = build_world()
    generate(engagements, tasks)
    ids = list(Task.objects.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), RECOMPUTE_BATCH):
        clocks_recompute_tasks(ids[offset : offset + RECOMPUTE_BATCH])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connections.close_all()
    _psql(f'ALTER DATABASE "{scratch}" RENAME TO "{template_name(tasks)}"')
    print(f"built the {tasks:,}-task data set in {time.perf_counter() - started:.0f} s", flush=True)


@dataclass
class BenchWorld:
    engagements: list
    users: dict = field(default_factory=dict)


def _personas(engagements) -> dict:
    """A provider manager and a client staff member of the first engagement's parties, an executive on all."""
    from engagements.choices import ConsultantRole
    from engagements.services import engagement_attach_consultant
    from kpo.accounts.choices import OrganisationKind, Role
    from kpo.accounts.models import User
    from kpo.accounts.services import membership_grant, organisation_create

    first = engagements[0]
    users = {
        "provider_manager": (first.provider.organisation, Role.PROVIDER_MANAGER),
        "client_staff": (first.client.organisation, Role.CLIENT_STAFF),
    }
    result = {}
    for key, (organisation, role) in users.items():
        user = User.objects.create_user(f"{key}@bench.kpo", None, full_name=key.replace("_", " ").title())
        membership_grant(user=user, organisation=organisation, role=role)
        result[key] = user
    consultancy = organisation_create(name="Bench consultancy", kind=OrganisationKind.CONSULTANCY)
    executive = User.objects.create_user("executive@bench.kpo", None, full_name="Bench Executive")
    membership_grant(user=executive, organisation=consultancy, role=Role.CONSULTANT_EXECUTIVE)
    for engagement in engagements:
        engagement_attach_consultant(engagement=engagement, user=executive, role=ConsultantRole.EXECUTIVE)
    result["consultant_executive"] = executive
    return result


@contextmanager
def bench_dataset(label: str, *, tasks: int):
    """A fresh copy of the `tasks`-task data set, with Django pointed at it; dropped afterwards."""
    template = template_name(tasks)
    if not _exists(template):
        print(f"building the {tasks:,}-task data set once (kept as {template}) ...", flush=True)
        subprocess.run([sys.executable, __file__, "build", str(tasks)], check=True, cwd=ROOT)
    name = f"kpo_bench_{label}_{os.getpid()}"
    subprocess.run(["dropdb", "--if-exists", name], env=PG_ENV, check=True)
    subprocess.run(["createdb", "-T", template, name], env=PG_ENV, check=True)
    os.environ["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpo.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:  # migrations newer than the template: apply them, then refresh the planner's statistics
            print(f"applying {len(pending)} migration(s) newer than {template} ...", flush=True)
            call_command("migrate", verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        from engagements.models import Engagement

        engagements = list(Engagement.objects.select_related("client", "provider").order_by("pk"))
        world = BenchWorld(engagements=engagements)
        world.users = _personas(engagements)
        yield world
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("KPO_BENCH_KEEP_DB"):  # to EXPLAIN the captured statements with psql afterwards
            print(f"kept the database {name} (KPO_BENCH_KEEP_DB): dropdb it when done", flush=True)
        else:
            subprocess.run(["dropdb", "--if-exists", name], env=PG_ENV, check=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        _build_template(int(sys.argv[2]))
    elif sys.argv[1:2] == ["drop"]:
        for name in _psql("SELECT datname FROM pg_database WHERE datname LIKE 'kpo_bench_tpl_%'").split():
            subprocess.run(["dropdb", name], env=PG_ENV, check=True)
            print(f"dropped {name}")
    else:
        print("usage: python bench/_dataset.py build <tasks> | drop")
