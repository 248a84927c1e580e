"""Full-page screenshots of each role's main pages, for people to look at (`make screenshots` runs
`pytest tests/browser -k screenshots`; the folder is printed at the end of the run). Each shot first
checks that the page shows what it is for, so a broken page fails here rather than as a blank picture."""

import re

from ._ui import assert_clean, heading, nav, switch_language, watch_errors

PHONE = {"width": 390, "height": 844}


def test_screenshots_client_staff(page_as, shoot):
    page = page_as("client.staff")
    errors = watch_errors(page)
    assert heading(page) == "Welcome, Olivia"
    shoot(page, "client-staff-dashboard")

    nav(page, "Engagements")
    assert page.locator("#engagement-results tbody tr").count() >= 3
    shoot(page, "client-staff-engagement-list")

    page.locator("#engagement-results").get_by_role("link", name="Litigation research support").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".chart svg").is_visible()
    shoot(page, "client-staff-engagement-detail")

    page.locator("main .page-header__actions").get_by_role("link", name="SLA compliance").click()
    page.wait_for_load_state("domcontentloaded")
    assert heading(page) == "SLA compliance"
    shoot(page, "client-staff-sla-compliance")
    assert_clean(page, errors)


def test_screenshots_client_sme_review(page_as, shoot):
    page = page_as("client.sme")
    errors = watch_errors(page)
    assert page.get_by_role("heading", name=re.compile("Sampled for your quality review")).is_visible()
    shoot(page, "client-sme-dashboard-review-queue")

    queue = page.locator("section[aria-labelledby=review-title] a.cell-title")
    if queue.count() == 0:  # the review tests took every delivery: show a reviewed task instead
        queue = page.locator("section[aria-labelledby=engagements-title] a.cell-title")
    queue.first.click()
    page.wait_for_load_state("domcontentloaded")
    shoot(page, "client-sme-task-review")
    assert_clean(page, errors)


def test_screenshots_provider_manager(page_as, shoot):
    page = page_as("provider.manager")
    errors = watch_errors(page)
    shoot(page, "provider-manager-dashboard")
    nav(page, "Task board")
    assert page.locator("li.board-card").count() > 5
    shoot(page, "provider-manager-board")

    # A task whose clocks have a history: one of the in-progress or on-hold cards.
    page.locator("#cards-on_hold li.board-card h3 a, #cards-in_progress li.board-card h3 a").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("section[aria-labelledby=clocks-title] svg").first.is_visible()
    shoot(page, "provider-manager-task-detail")
    assert_clean(page, errors)


def test_screenshots_provider_manager_phone_board(page_as, shoot):
    page = page_as("provider.manager", **PHONE)
    errors = watch_errors(page)
    page.goto("/tasks/board/")
    assert page.locator("li.board-card").count() > 5
    shoot(page, "provider-manager-board-phone")
    page.goto("/")
    shoot(page, "provider-manager-dashboard-phone")
    assert_clean(page, errors)


def test_screenshots_consultant_analyst_report(page_as, shoot):
    page = page_as("consultant.analyst")
    errors = watch_errors(page)
    shoot(page, "consultant-analyst-dashboard")
    nav(page, "Reports")
    shoot(page, "consultant-analyst-report-list")
    page.locator(
        "#report-table tbody tr", has_text="Delivery review and recommendations: Litigation"
    ).locator("a.cell-title").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#findings article").count() >= 1
    shoot(page, "consultant-analyst-report-detail")
    page.locator("#preview-report").click()
    page.wait_for_load_state("domcontentloaded")
    shoot(page, "consultant-analyst-report-preview-demo")
    assert_clean(page, errors)


def test_screenshots_broker_matching(page_as, shoot):
    page = page_as("consultant.broker")
    errors = watch_errors(page)
    switch_language(page, "en")
    nav(page, "Providers")
    shoot(page, "consultant-broker-directory")
    page.get_by_role("link", name="Find providers for a need").click()
    page.get_by_label("Service line").select_option(label="Market and competitor research")
    page.get_by_label("ISO/IEC 27001").check()
    page.get_by_label("Client time zone").fill("Europe/London")
    page.get_by_role("button", name="Rank providers").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("section[aria-labelledby=matches-title] tbody tr").count() >= 1
    shoot(page, "consultant-broker-matching")
    page.locator("section[aria-labelledby=matches-title] tbody tr a.cell-title").first.click()
    page.wait_for_load_state("domcontentloaded")
    shoot(page, "consultant-broker-provider-scorecard")
    assert_clean(page, errors)


def test_screenshots_recruiter_candidates(page_as, shoot):
    page = page_as("consultant.recruiter")
    errors = watch_errors(page)
    nav(page, "Candidates")
    assert page.locator("main tbody tr").count() >= 10
    shoot(page, "consultant-recruiter-candidates")
    page.locator("main tbody tr a.cell-title").first.click()
    page.wait_for_load_state("domcontentloaded")
    shoot(page, "consultant-recruiter-candidate-detail")
    assert_clean(page, errors)


def test_screenshots_french_dashboard(page_as, shoot):
    page = page_as("client.staff")
    errors = watch_errors(page)
    switch_language(page, "fr")
    assert heading(page) == "Bienvenue, Olivia"
    shoot(page, "client-staff-dashboard-fr")
    assert_clean(page, errors)
