"""Every demo role walks its main pages through the header navigation, the way a person does: dashboard,
engagements (a search and a filter, in place), an engagement with its KPI chart, its SLA compliance page,
the task board and a task, reports, notifications and the profile; the broker ranks providers for a need
and the recruiter searches the candidate pipeline. Each page shows its heading and the data the role
needs, and no page (nor any htmx request behind it) errors."""

import re

import pytest

from ._ui import assert_clean, heading, nav, nav_names, open_user_menu_link, switch_language, watch_errors

# login: (first name on the dashboard, dashboard sections the role needs, navigation links it must have,
# links it must not have)
ROLES = {
    "client.staff": (
        "Olivia",
        ["Delivered, awaiting your review", "Recent SLA breaches"],
        ["Dashboard", "Engagements", "Task board", "Reports", "Providers"],
        ["Candidates", "Admin"],
    ),
    "client.sme": (
        "Eleanor",
        ["Sampled for your quality review", "Delivered, awaiting your review"],
        ["Dashboard", "Engagements", "Task board", "Reports", "Providers"],
        ["Candidates", "Admin"],
    ),
    "provider.manager": (
        "Priya",
        ["Closest to breaching", "Team workload", "Task board"],
        ["Dashboard", "Engagements", "Task board", "Providers", "Candidates"],
        ["Reports", "Admin"],
    ),
    "provider.analyst": (
        "Arjun",
        ["My open tasks"],
        ["Dashboard", "Engagements", "Task board", "Providers"],
        ["Reports", "Candidates", "Admin"],
    ),
    "consultant.exec": (
        "Catherine",
        ["Your engagements", "Reports in progress"],
        ["Dashboard", "Engagements", "Reports", "Providers"],
        ["Candidates", "Admin"],
    ),
    "consultant.analyst": (
        "Daniel",
        ["Your engagements", "Reports in progress"],
        ["Dashboard", "Engagements", "Reports", "Providers"],
        ["Candidates", "Admin"],
    ),
    "consultant.broker": (
        "Camille",
        ["Your engagements", "Provider directory"],
        ["Dashboard", "Engagements", "Reports", "Providers"],
        ["Candidates", "Admin"],
    ),
    "consultant.recruiter": (
        "Neha",
        ["Candidates"],
        ["Dashboard", "Engagements", "Providers", "Candidates"],
        ["Admin", "Task board", "Reports"],
    ),
    "admin": (
        "Platform",
        ["Closest to breaching", "Recent SLA breaches"],
        ["Dashboard", "Engagements", "Task board", "Reports", "Providers", "Candidates", "Admin"],
        [],
    ),
}

RESULTS = "#engagement-results"


def _wait_results(page, action, fragment: str):
    """Run `action` (typing, choosing) and wait for the htmx request of the engagement list it fires."""
    with page.expect_response(lambda r: "/engagements/?" in r.url and fragment in r.url) as info:
        action()
    assert info.value.status == 200, info.value.url
    page.wait_for_function(
        "() => !document.querySelector('form.htmx-request, #engagement-results.htmx-request')"
    )


def _engagements(page, errors):
    nav(page, "Engagements")
    assert heading(page) == "Engagements"
    assert page.get_by_role("search").is_visible()
    rows = page.locator(f"{RESULTS} tbody tr")
    total = rows.count()
    meta = page.locator(f"{RESULTS} .result-meta").inner_text()
    if total == 0:
        assert "0 engagements" in meta
        assert_clean(page, errors)
        return None
    assert re.search(r"\d+ engagements?", meta)
    # Search: a word of the first engagement's title narrows the list, in place (htmx) and in the URL.
    title = rows.first.locator("a.cell-title").inner_text().strip()
    word = max(re.findall(r"[A-Za-z]{4,}", title), key=len)
    _wait_results(page, lambda: page.locator("#id_q").fill(word), f"q={word}")
    assert f"q={word}" in page.url
    found = page.locator(f"{RESULTS} tbody tr")
    assert 1 <= found.count() <= total
    assert title in page.locator(RESULTS).inner_text()
    for text in found.locator("td:first-child").all_inner_texts():
        assert word.lower() in text.lower(), (word, text)
    # Filter: only active engagements (the search emptied first).
    _wait_results(page, lambda: page.locator("#id_q").fill(""), "q=")
    _wait_results(page, lambda: page.locator("#id_status").select_option("active"), "status=active")
    assert "filtered" in page.locator(f"{RESULTS} .result-meta").inner_text()
    statuses = page.locator(f"{RESULTS} tbody tr td .status").all_inner_texts()
    if not statuses:
        assert_clean(page, errors)
        return None
    assert set(statuses) == {"Active"}, statuses
    assert_clean(page, errors)
    return page.locator(f"{RESULTS} tbody tr a.cell-title").first


def _engagement_detail(page, errors, link):
    title = link.inner_text().strip()
    link.click()
    page.wait_for_load_state("domcontentloaded")
    assert heading(page).startswith(title)
    chart = page.locator("section[aria-labelledby=kpi-title] .chart svg")
    assert chart.is_visible(), "the active engagement shows its KPI chart"
    assert chart.locator("path, polyline, circle").count() > 0
    assert page.get_by_role("heading", name="Tasks").first.is_visible()
    assert_clean(page, errors)
    page.locator("main .page-header__actions").get_by_role("link", name="SLA compliance").click()
    page.wait_for_load_state("domcontentloaded")
    assert heading(page) == "SLA compliance"
    assert page.get_by_role("heading", name="KPIs by month").is_visible()
    assert page.get_by_text("Response compliance").first.is_visible()
    assert_clean(page, errors)


def _board_and_task(page, errors):
    nav(page, "Task board")
    assert heading(page) == "Task board"
    assert page.locator(".board-col").count() >= 5
    titles = page.locator("li.board-card h3 a")
    assert titles.count() > 0, "the role's board shows its tasks"
    title = titles.first.inner_text().strip()
    titles.first.click()
    page.wait_for_load_state("domcontentloaded")
    assert title in heading(page)
    for section in ("Specification", "SLA clocks", "History", "Change status"):
        assert page.get_by_role("heading", name=section, exact=True).is_visible(), section
    assert_clean(page, errors)


def _broker_matching(page, errors):
    nav(page, "Providers")
    assert heading(page) == "Providers"
    assert page.locator("main tbody tr").count() >= 4
    page.get_by_role("link", name="Find providers for a need").click()
    assert heading(page) == "Find providers"
    page.get_by_label("Service line").select_option(label="Legal research and document review")
    page.get_by_role("button", name="Rank providers").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", name=re.compile("Ranked providers")).is_visible()
    ranked = page.locator("section[aria-labelledby=matches-title] tbody tr")
    assert ranked.count() >= 1
    assert "Vidya Knowledge Services" in ranked.first.inner_text()
    assert page.get_by_role("heading", name=re.compile("Excluded")).is_visible()
    assert_clean(page, errors)


def _recruiter_candidates(page, errors):
    nav(page, "Candidates")
    assert heading(page) == "Candidates"
    assert page.locator(".stats .stat").count() == 6  # the pipeline, stage by stage
    assert page.locator("main tbody tr").count() >= 10
    page.locator("#id_q").fill("Meera")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("domcontentloaded")
    rows = page.locator("main tbody tr")
    assert rows.count() == 1
    assert "Meera Pillai" in rows.first.inner_text()
    assert "Hired" in rows.first.inner_text()
    assert_clean(page, errors)


@pytest.mark.parametrize("login", list(ROLES))
def test_each_role_walks_its_main_pages(page_as, login):
    first_name, sections, wanted_nav, unwanted_nav = ROLES[login]
    page = page_as(login)
    errors = watch_errors(page)
    if login == "consultant.broker":
        # Her profile says French: the app greets her in French until she picks English in the header.
        assert heading(page) == f"Bienvenue, {first_name}"
        switch_language(page, "en")

    assert heading(page) == f"Welcome, {first_name}"
    for section in sections:
        assert page.get_by_role("heading", name=re.compile(re.escape(section))).first.is_visible(), section
    links = nav_names(page)
    assert all(name in links for name in wanted_nav), (wanted_nav, links)
    assert not any(name in links for name in unwanted_nav), (unwanted_nav, links)
    assert_clean(page, errors)

    first_active = _engagements(page, errors)
    if first_active is not None:
        _engagement_detail(page, errors, first_active)

    if "Task board" in links and login != "consultant.recruiter":
        _board_and_task(page, errors)

    if "Reports" in links:
        nav(page, "Reports")
        assert heading(page) == "Recommendation reports"
        if login in {"consultant.analyst", "consultant.exec", "admin"}:
            assert page.locator("#report-table tbody tr a.cell-title").count() >= 1
            assert page.get_by_role("link", name="New report").is_visible() == (login != "admin")
        assert_clean(page, errors)

    page.locator("header a.icon-link").click()  # the bell
    page.wait_for_load_state("domcontentloaded")
    assert heading(page) == "Notifications"
    assert_clean(page, errors)

    open_user_menu_link(page, "Profile")
    assert heading(page) == "Profile"
    assert page.locator("main").get_by_text(f"{login}@demo.kpo").first.is_visible()
    assert page.get_by_role("heading", name="Time zone and language").is_visible()
    assert_clean(page, errors)

    if login == "consultant.broker":
        _broker_matching(page, errors)
    if login == "consultant.recruiter":
        _recruiter_candidates(page, errors)
