"""The demo server's database, migrated and seeded in a background process started as early as possible.

Seeding the demo world takes about a minute; started when the session's first test is set up (by the
root conftest, when browser tests were collected), it runs while the other tests do, and the browser
fixtures only wait for what is left of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
PREPARE_TIMEOUT = 900
CHROMIUM = os.environ.get("KPO_CHROMIUM", "/usr/bin/chromium")


class Database:
    """A database of the server's own: a sibling PostgreSQL database, or a SQLite file."""

    def __init__(self, tmp: Path):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parsed = urlparse(url)
            self.name = f"kpo_browser_{uuid.uuid4().hex[:10]}"
            self.admin_url = parsed._replace(path="/postgres").geturl()
            self.url = parsed._replace(path=f"/{self.name}").geturl()
            self._execute(f'CREATE DATABASE "{self.name}"')
            # A throw-away database: commits need not wait for the disk.
            self._execute(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off')
        else:
            self.url = f"sqlite:///{tmp / 'browser.sqlite3'}"

    def _execute(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def drop(self) -> None:
        if self.postgres:
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Preparation:
    """`migrate` then `seed_demo` for the server's database, in one background process."""

    def __init__(self, tmp_path_factory):
        self.database = Database(tmp_path_factory.mktemp("browser-db"))
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "KPO_ENV"}}
        self.env.update(
            DATABASE_URL=self.database.url,
            DEBUG="1",
            PYTHONUNBUFFERED="1",
            MEDIA_ROOT=str(tmp_path_factory.mktemp("browser-media")),
        )
        self.log = tmp_path_factory.mktemp("browser-log") / "prepare.log"
        script = (
            "import subprocess, sys\n"
            "for command in (['migrate', '--noinput', '-v0'], ['seed_demo']):\n"
            "    done = subprocess.run([*sys.argv[1:], *command])\n"
            "    if done.returncode:\n"
            "        sys.exit(f'{command[0]} failed ({done.returncode})')\n"
        )
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", script, *MANAGE],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self) -> str | None:
        """None when the database is ready, else why it is not."""
        try:
            code = self.process.wait(timeout=PREPARE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return f"migrate and seed_demo took over {PREPARE_TIMEOUT} s"
        if code != 0:
            return f"preparing the demo database failed:\n{self.log.read_text()[-3000:]}"
        return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.database.drop()


_preparation: Preparation | None = None


def prepare(tmp_path_factory) -> Preparation:
    """The session's preparation, started on the first call."""
    global _preparation
    if _preparation is None:
        _preparation = Preparation(tmp_path_factory)
    return _preparation


def close() -> None:
    global _preparation
    if _preparation is not None:
        _preparation.close()
        _preparation = None
