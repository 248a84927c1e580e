"""Shared set-up for benchmarks that need PostgreSQL: a throw-away database, migrated, and Django."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}


def postgres_available() -> bool:
    result = subprocess.run(["pg_isready", "-q", "-h", PG["host"], "-p", PG["port"]], check=False)
    return result.returncode == 0


@contextmanager
def bench_database(label: str):
    """Create `kpo_bench_<label>_<pid>`, point Django at it, migrate, and drop it afterwards."""
    name = f"kpo_bench_{label}_{os.getpid()}"
    env = dict(os.environ, PGHOST=PG["host"], PGPORT=PG["port"], PGUSER=PG["user"])
    subprocess.run(["createdb", name], check=True, env=env)
    os.environ["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpo.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "--if-exists", name], check=False, env=env)


@contextmanager
def timed(label: str, results: dict):
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
