"""Tenants stay apart in a real browser. The owners browse first and collect the addresses a person could
copy: client.staff's engagement, a task, a deliverable's download and a report of theirs; provider.manager's
tasks and board. Then another client's staff and another provider's manager paste them: every one is the
404 page (not a 403 that would confirm the object exists), and the other provider's board never shows
the first provider's tasks."""

import re
import uuid

import pytest

from ._ui import heading
from .conftest import DEMO_PASSWORD

ENGAGEMENT = "Litigation research support"  # Hartwell & Pryce (client.staff) with Vidya (provider.manager)
DELIVERABLE = b"case,date,event,source\nKellerman,2026-03-02,Notice of arbitration,DOC-0001\n"


def _assert_404(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404, f"{url}: {response and response.status}"
    text = page.locator("body").inner_text()
    assert re.search(r"not found", text, re.IGNORECASE), text[:300]
    assert ENGAGEMENT not in (page.title() or "")


@pytest.fixture(scope="module")
def module_page_as(browser, demo_server):
    """Like `page_as`, for a module-scoped fixture: the owners browse once for both tests."""
    contexts = []

    def _login(login: str):
        context = browser.new_context(
            base_url=demo_server, locale="en-GB", viewport={"width": 1400, "height": 900}
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


@pytest.fixture(scope="module")
def client_urls(module_page_as):
    """What client.staff can reach of theirs: an engagement, a task with a delivered file and its download,
    and (through the consultant who writes it) a report on their engagement."""
    page_as = module_page_as
    # The provider puts a file on an open task of the engagement (the demo has only links and none).
    name = f"chronology-extract-{uuid.uuid4().hex[:8]}.csv"
    manager = page_as("provider.manager")
    manager.goto("/engagements/")
    manager.locator("#engagement-results").get_by_role("link", name=ENGAGEMENT, exact=True).click()
    manager.get_by_role("link", name="Tasks on the board").click()  # the board, filtered to it
    manager.wait_for_load_state("domcontentloaded")
    assert manager.locator("li.board-card").count() > 0
    open_cards = manager.locator(
        ", ".join(f"#cards-{s} > li.board-card" for s in ("in_progress", "rework_requested", "delivered"))
    )
    if open_cards.count() == 0:  # other tests moved them on: start one (files go on work in progress)
        startable = manager.locator("li.board-card", has=manager.locator("button.move--in_progress")).first
        task_id = startable.get_attribute("id")
        startable.locator("button.move--in_progress").click()
        manager.locator(f"#cards-in_progress > li#{task_id}").wait_for()
    open_cards.first.locator("h3 a").click()
    manager.wait_for_load_state("domcontentloaded")
    task_title = heading(manager).rsplit("#", 1)[0].strip()
    manager.locator("#id_file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": DELIVERABLE})
    manager.get_by_role("button", name="Upload").click()
    manager.wait_for_load_state("domcontentloaded")
    assert f"Added “{name}” to the delivery." in manager.locator(".messages").inner_text()

    # The owner browses to them.
    owner = page_as("client.staff")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Engagements").click()
    owner.locator("#engagement-results").get_by_role("link", name=ENGAGEMENT, exact=True).click()
    owner.wait_for_load_state("domcontentloaded")
    engagement_url = owner.url
    owner.get_by_role("link", name=task_title, exact=True).first.click()
    owner.wait_for_load_state("domcontentloaded")
    task_url = owner.url
    link = owner.locator("section[aria-labelledby=deliverables-title]").get_by_role("link", name=name)
    with owner.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == DELIVERABLE  # the owner gets the file
    download_url = link.evaluate("a => a.href")

    analyst = page_as("consultant.analyst")
    analyst.goto("/reports/")
    row = analyst.locator("#report-table tbody tr", has_text="Hartwell & Pryce LLP").first
    row.locator("a.cell-title").click()
    analyst.wait_for_load_state("domcontentloaded")
    report_url = analyst.url
    return {
        "engagement": engagement_url,
        "task": task_url,
        "download": download_url,
        "report": report_url,
        "compliance": engagement_url.rstrip("/") + "/sla/",
    }


def test_another_clients_staff_gets_404_for_every_pasted_url(page_as, client_urls):
    intruder = page_as("client2.staff")
    for url in client_urls.values():
        _assert_404(intruder, url)
    # Their own pages still work.
    intruder.goto("/engagements/")
    assert ENGAGEMENT not in intruder.locator("main").inner_text()


def test_another_provider_never_sees_the_first_providers_tasks(page_as, client_urls):
    owner = page_as("provider.manager")
    owner.goto("/tasks/board/")
    own_ids = set(owner.locator("li.board-card").evaluate_all("els => els.map(e => e.id)"))
    own_titles = {t.strip() for t in owner.locator("li.board-card h3 a").all_inner_texts()}
    task_urls = owner.locator("li.board-card h3 a").evaluate_all("els => els.slice(0, 3).map(a => a.href)")
    assert own_ids and own_titles and task_urls

    intruder = page_as("provider2.manager")
    intruder.goto("/tasks/board/")
    assert heading(intruder) == "Task board"
    their_ids = set(intruder.locator("li.board-card").evaluate_all("els => els.map(e => e.id)"))
    assert their_ids, "the other provider has tasks of its own"
    assert not own_ids & their_ids
    board_text = intruder.locator("#board").inner_text()
    leaked = [title for title in own_titles if title in board_text]
    assert not leaked, leaked
    # Searching for them by title finds nothing either.
    some_title = sorted(own_titles)[0]
    intruder.goto(f"/tasks/board/?q={some_title[:40]}")
    assert intruder.locator("li.board-card").count() == 0

    for url in [*task_urls, client_urls["task"], client_urls["download"], client_urls["engagement"]]:
        _assert_404(intruder, url)
