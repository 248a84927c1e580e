"""A real browser against the real app: Debian's chromium driven by Playwright, on a seeded demo server.

The server is `manage.py runserver` in a subprocess on a free port, over its own database (a sibling
PostgreSQL database when DATABASE_URL points at PostgreSQL, else a SQLite file), loaded once per session
with `seed_demo` (in the background from the session's start: tests/browser/_server.py), so the browser
sees exactly what `make run` shows. Celery runs eagerly in that process.
Tests change demo data (a task moves, a review is filed), so each picks its own objects.

Without chromium these tests skip; with KPO_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from . import _server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("KPO_SCREENSHOTS_DIR", ROOT / "screenshots"))
CHROMIUM = _server.CHROMIUM
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "kpo-demo"  # noqa: S105 - the documented demo password, accepted only with DEBUG on
SERVER_START_TIMEOUT = 240


def _missing(reason: str) -> None:
    if os.environ.get("KPO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"KPO_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        _missing(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _missing("playwright is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_server(chromium_path, tmp_path_factory):
    """The base URL of a seeded demo server, running for the whole session."""
    preparation = _server.prepare(tmp_path_factory)  # usually started already, by the root conftest
    log = tmp_path_factory.mktemp("browser-log") / "server.log"
    try:
        problem = preparation.wait()
        if problem:
            pytest.fail(problem)
        port = _free_port()
        with open(log, "w") as out:
            server = subprocess.Popen(
                [*_server.MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=preparation.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"the demo server did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield base_url
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    finally:
        _server.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_as(browser, demo_server):
    """`page_as("client.staff")` opens a fresh browser context logged in as that demo user."""
    contexts = []

    def _login(login: str, *, locale: str = "en-GB", width: int = 1400, height: int = 900):
        context = browser.new_context(
            base_url=demo_server, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(f"{login}@demo.kpo")
        page.locator("#id_password").fill(DEMO_PASSWORD)
        page.locator("form:has(#id_password) button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield _login
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    # Fresh per run, so the folder never mixes two versions of the product.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshots_dir):
    """`shoot(page, "client-dashboard")` saves a full-page PNG to the screenshots folder."""

    def _shoot(page, name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOTS}")
