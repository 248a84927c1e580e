"""What the browser tests share: reading a page the way a person does, and noticing errors they would see.

`watch_errors(page)` records every server error (5xx, on the page or an htmx request) and every JavaScript
exception; `assert_clean(page, errors)` fails with what went wrong. Navigation goes through the header
like a person: `nav(page, "Engagements")`.
"""

from __future__ import annotations

import re

ERROR_MARKERS = ("Server Error (500)", "Traceback (most recent call last)", "TemplateSyntaxError")


def watch_errors(page) -> list[str]:
    errors: list[str] = []

    def on_response(response):
        if response.status >= 500:
            errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", on_response)
    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    return errors


def assert_clean(page, errors: list[str]) -> None:
    body = page.locator("body").inner_text()
    for marker in ERROR_MARKERS:
        assert marker not in body, f"{page.url} shows an error: {marker}"
    assert not errors, f"errors while on {page.url}: {errors}"


def heading(page) -> str:
    return page.locator("main h1").first.inner_text().strip()


def nav(page, name: str) -> None:
    """Follow a link of the main navigation (the header), as a person does."""
    page.locator("nav.main-nav").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def nav_names(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.main-nav").get_by_role("link").all_inner_texts()]


def open_user_menu_link(page, name: str) -> None:
    page.locator("details.user-menu summary").click()
    page.locator("details.user-menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("domcontentloaded")


def switch_language(page, code: str) -> None:
    """Press the header's language button (EN / FR); the page reloads in that language."""
    page.locator(f"form.lang-switch button[value={code}]").click()
    page.wait_for_load_state("domcontentloaded")
    page.wait_for_function(f"document.documentElement.lang === '{code}'")


def column_count(page, status: str) -> int:
    text = page.locator(f"#count-{status} [aria-hidden=true]").inner_text().strip()
    return int(re.sub(r"\D", "", text))


def card(page, task_id: int):
    return page.locator(f"li#task-{task_id}")


def column_of(page, task_id: int) -> str:
    """The status of the board column that holds the card now."""
    return page.locator(f"li#task-{task_id}").evaluate(
        "el => el.closest('ol.board-cards').id.replace('cards-', '')"
    )


def card_ids(page, status: str) -> list[int]:
    ids = page.locator(f"#cards-{status} > li.board-card").evaluate_all("els => els.map(e => e.id)")
    return [int(i.removeprefix("task-")) for i in ids]


def status_is_404(page, path: str) -> bool:
    response = page.goto(path)
    return response is not None and response.status == 404
