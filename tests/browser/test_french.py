"""The French interface in a real browser: the client's staff presses "FR" in the header and the dashboard,
the task board and a task read in French (words from locale/fr/LC_MESSAGES/django.po, and none of their
English originals), with French numbers and dates; "EN" brings English back."""

import re

from ._ui import assert_clean, heading, nav, switch_language, watch_errors

FRENCH_MONTH = r"(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
# French groups thousands with a (narrow) no-break space and writes decimals with a comma.
THOUSANDS = r"\d{1,3}[\u00a0\u202f ]\d{3}"


def _nav_text(page) -> str:
    return page.locator("nav.main-nav").inner_text()


def _absent(text: str, *english: str) -> None:
    for word in english:
        assert word not in text, f"English “{word}” left on a French page"


def test_the_interface_switches_to_french_and_back(page_as, shoot):
    page = page_as("client.staff")
    errors = watch_errors(page)
    assert heading(page) == "Welcome, Olivia"

    switch_language(page, "fr")
    # The dashboard.
    assert page.locator("html").get_attribute("lang") == "fr"
    assert heading(page) == "Bienvenue, Olivia"
    assert page.title().startswith("Tableau de bord")
    nav_text = _nav_text(page)
    for word in ("Tableau de bord", "Missions", "Tableau des tâches", "Rapports", "Prestataires"):
        assert word in nav_text, word
    main = page.locator("main").inner_text()
    for word in ("Tâches ouvertes", "Compteurs à risque", "Livrées, en attente de votre revue"):
        assert word in main, word
    _absent(nav_text + main, "Dashboard", "Welcome", "Open tasks", "Clocks at risk", "Engagements")
    assert page.locator("form.lang-switch button[value=fr]").get_attribute("aria-pressed") == "true"
    shoot(page, "client-staff-dashboard-fr")
    assert_clean(page, errors)

    # An engagement: French numbers (thousands, decimal comma, percent) and month names.
    nav(page, "Missions")
    assert heading(page) == "Missions"
    listing = page.locator("main").inner_text()
    assert re.search(rf"{THOUSANDS}[\u00a0\u202f ]GBP", listing), "budgets grouped the French way"
    assert re.search(r"\d+ missions", listing)
    page.locator("#engagement-results").get_by_role("link", name="Litigation research support").click()
    page.wait_for_load_state("domcontentloaded")
    detail = page.locator("main").inner_text()
    assert re.search(r"\d+,\d[\u00a0\u202f ]%", detail), "a percent with a decimal comma"
    assert re.search(rf"{FRENCH_MONTH} \d{{4}}", detail), "a French month name"
    assert "Conformité SLA" in detail
    _absent(detail, "Open tasks", "Awaiting review", "SLA compliance over time")
    assert_clean(page, errors)

    # The board.
    nav(page, "Tableau des tâches")
    assert heading(page) == "Tableau des tâches"
    board = page.locator("main").inner_text()
    for word in ("Filtrer", "Passer à", "Brouillon", "Prête", "En cours", "Changement de statut groupé"):
        assert word in board, word
    assert re.search(r"\d+ tâches?", page.locator("#board").text_content())
    _absent(board, "Task board", "Move to", "Filter\n", "In progress", "Unassigned", "Bulk status change")
    shoot(page, "client-staff-board-fr")
    assert_clean(page, errors)

    # A task.
    page.locator("#cards-in_progress li.board-card h3 a").first.click()
    page.wait_for_load_state("domcontentloaded")
    task = page.locator("main").inner_text()
    for word in ("Cahier des charges", "Compteurs SLA", "Historique", "Livrables", "Revues qualité"):
        assert word in task, word
    assert page.locator(".page-header__meta .status").inner_text() == "En cours"
    assert re.search(r"\d+,\d / \d+,\d h", task), "business hours with a decimal comma"
    assert re.search(r"\(\d+[\u00a0\u202f ]%\)", task), "a French percent"
    _absent(task, "Specification", "SLA clocks", "History", "Deliverables", "Change status")
    shoot(page, "client-staff-task-fr")
    assert_clean(page, errors)

    # Back to English, from the header, on the page the person is on.
    url = page.url
    switch_language(page, "en")
    assert page.url == url
    assert page.get_by_role("heading", name="SLA clocks").is_visible()
    nav(page, "Dashboard")
    assert heading(page) == "Welcome, Olivia"
    assert "Open tasks" in page.locator("main").inner_text()
    assert_clean(page, errors)
