"""The client SME reviews deliveries in a real browser: from the dashboard's review queue she opens a
delivered task, files a review (accuracy score, findings, a defect) asking for rework, and sees the task
in "Rework requested" with her review on it; another delivery she accepts. A rework request without a
reason is refused on the form, nothing recorded."""

from ._ui import assert_clean, heading, watch_errors

SME = "client.sme"


def _delivered_tasks(page) -> list[tuple[str, str]]:
    """(title, url) of the deliveries awaiting the SME's review, as her dashboard lists them."""
    page.goto("/")
    queue = page.locator("section[aria-labelledby=review-title]")
    assert queue.get_by_role("heading", name="Delivered, awaiting your review").is_visible()
    links = queue.locator("a.cell-title")
    return [(a.inner_text().strip(), a.get_attribute("href")) for a in links.all()]


def _status(page) -> str:
    return page.locator(".page-header__meta .status").inner_text().strip()


def _review_form(page):
    form = page.locator("section#review form")
    assert page.get_by_role("heading", name="Review this delivery").is_visible()
    return form


def test_the_sme_requests_rework_with_findings_and_a_defect(page_as, shoot):
    page = page_as(SME)
    errors = watch_errors(page)
    delivered = _delivered_tasks(page)
    assert delivered, "the demo has deliveries awaiting the SME's review"
    title, url = delivered[0]
    page.locator("section[aria-labelledby=review-title]").get_by_role("link", name=title).click()
    page.wait_for_load_state("domcontentloaded")
    assert title in heading(page)
    assert _status(page) == "Delivered"
    shoot(page, "client-sme-task-review")

    # First without saying what is wrong: refused on the form, nothing recorded.
    form = _review_form(page)
    form.get_by_label("Accuracy score (0–100)").fill("81.5")
    form.get_by_label("Rework requested").check()
    form.get_by_role("button", name="Submit review").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Say what needs rework" in page.locator("section#review").inner_text()
    assert _status(page) == "Delivered"
    assert "Not reviewed." in page.locator("section[aria-labelledby=reviews-title]").inner_text()

    form = _review_form(page)
    form.get_by_label("Accuracy score (0–100)").fill("81.5")
    form.get_by_label("Findings").fill("Two dates in the chronology contradict the source documents.")
    form.get_by_label("Factual error").fill("2")
    form.get_by_label("Rework requested").check()
    form.get_by_role("button", name="Submit review").click()
    page.wait_for_load_state("domcontentloaded")

    flash = page.locator(".messages").inner_text()
    assert "Review recorded (Rework requested)" in flash and "“Rework requested”" in flash
    assert _status(page) == "Rework requested"
    reviews = page.locator("section[aria-labelledby=reviews-title]").inner_text()
    assert "81.5%" in reviews
    assert "Rework requested" in reviews
    assert "Two dates in the chronology contradict the source documents." in reviews
    assert "Factual error ×2" in reviews
    assert page.locator("section#review").count() == 0  # nothing left to review
    timeline = page.locator("ol.timeline li").last.inner_text()
    assert "Delivered → Rework requested" in timeline and "Eleanor Marsh" in timeline
    assert_clean(page, errors)

    # The queue no longer lists it.
    assert title not in [t for t, _ in _delivered_tasks(page)]


def test_the_sme_accepts_a_delivery(page_as):
    page = page_as(SME)
    errors = watch_errors(page)
    delivered = _delivered_tasks(page)
    assert delivered, "the demo has deliveries awaiting the SME's review"
    title, url = delivered[-1]
    page.goto(url)
    assert title in heading(page)
    form = _review_form(page)
    form.get_by_label("Accuracy score (0–100)").fill("97")
    form.get_by_label("Findings").fill("Complete and well sourced.")
    assert form.get_by_label("Accepted").is_checked()  # the default outcome
    form.get_by_role("button", name="Submit review").click()
    page.wait_for_load_state("domcontentloaded")

    assert "Review recorded (Accepted)" in page.locator(".messages").inner_text()
    assert _status(page) == "Accepted"
    reviews = page.locator("section[aria-labelledby=reviews-title]").inner_text()
    assert "97%" in reviews and "Accepted" in reviews
    assert "This task is closed." in page.locator("section[aria-labelledby=status-title]").inner_text()
    assert_clean(page, errors)
