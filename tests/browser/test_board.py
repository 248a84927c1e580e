"""The task board in a real browser, as the provider manager: a move happens in place (htmx) and the card
changes column with its clock badge and both column counts updated; a card made stale by someone else's
change explains itself and overwrites nothing; a move the role may not make is refused on the card; and
a move can be made with the keyboard alone."""

import re

from ._ui import assert_clean, card, card_ids, column_count, column_of, watch_errors

MANAGER = "provider.manager"
# Columns whose cards the manager can send to "In progress".
STARTABLE = ("ready", "on_hold", "rework_requested")


def _open_board(page_as, login=MANAGER):
    page = page_as(login)
    errors = watch_errors(page)
    page.goto("/tasks/board/")
    assert page.locator("main h1").inner_text() == "Task board"
    return page, errors


def _startable_card(page, *, clock_changes: bool = False) -> tuple[int, str]:
    """A card the manager can start (any startable column), as (task id, its column). With `clock_changes`,
    one whose badge must change when work starts: a paused clock (it runs again) or the response clock
    (it stops, the resolution clock shows). A ready card whose response was already answered shows the
    resolution clock before and after, depending on the hour the demo data was loaded at."""
    for status in STARTABLE:
        for task_id in card_ids(page, status):
            if not card(page, task_id).get_by_role("button", name="In progress", exact=True).count():
                continue
            if not clock_changes or re.search(r"Paused|Response", _clock_text(page, task_id)):
                return task_id, status
    raise AssertionError(
        "the demo board has no card the manager can start" + (" whose clock changes" * clock_changes)
    )


def _clock_text(page, task_id: int) -> str:
    clock = card(page, task_id).locator(".board-card__clock")
    return " ".join(clock.inner_text().split()) if clock.count() else ""


def test_a_move_changes_the_cards_column_clock_and_counts_in_place(page_as, shoot):
    page, errors = _open_board(page_as)
    task_id, source = _startable_card(page, clock_changes=True)
    before = {source: column_count(page, source), "in_progress": column_count(page, "in_progress")}
    clock_before = _clock_text(page, task_id)
    title = card(page, task_id).locator("h3").inner_text().strip()
    url = page.url
    page.evaluate("window.__same_document = true")  # gone if the browser loaded a new page

    with page.expect_response(lambda r: f"/tasks/{task_id}/move/" in r.url) as move:
        card(page, task_id).get_by_role("button", name="In progress", exact=True).click()
    assert move.value.status == 200
    moved = page.locator(f"#cards-in_progress > li#task-{task_id}")
    moved.wait_for()

    assert page.evaluate("window.__same_document === true"), "the board was updated in place, not reloaded"
    assert page.url == url
    assert column_of(page, task_id) == "in_progress"
    assert task_id not in card_ids(page, source)
    assert column_count(page, source) == before[source] - 1
    assert column_count(page, "in_progress") == before["in_progress"] + 1
    assert "Moved from" in moved.inner_text() and "to “In progress”" in moved.inner_text()
    assert moved.locator(".status").inner_text() == "In progress"
    clock_after = _clock_text(page, task_id)
    assert clock_after and clock_after != clock_before, (clock_before, clock_after)
    # Started work runs the resolution clock (the response clock stopped when work began).
    assert "Resolution" in clock_after or "Rework" in clock_after, clock_after
    assert page.locator("#board-live").inner_text().strip() == f"“{title}” moved to “In progress”."
    # The moved card offers the next moves of its new status.
    buttons = moved.locator(".board-card__moves button").all_inner_texts()
    assert "On hold" in buttons and "Delivered" in buttons
    shoot(page, "board-after-move")
    assert_clean(page, errors)

    page.reload()  # the server agrees
    assert column_of(page, task_id) == "in_progress"


def test_a_stale_card_explains_itself_and_overwrites_nothing(page_as, shoot):
    page, errors = _open_board(page_as)
    in_progress = card_ids(page, "in_progress")
    assert in_progress, "the demo board has tasks in progress"
    task_id = in_progress[0]
    assert card(page, task_id).get_by_role("button", name="Delivered").count() == 1

    # Someone else (the same manager in another browser) puts the task on hold from its page.
    other = page_as(MANAGER)
    other.goto(f"/tasks/{task_id}/")
    other.locator(".task-moves textarea[name=note]").fill("Waiting for the client's documents.")
    other.locator(".task-moves").get_by_role("button", name="On hold", exact=True).click()
    other.wait_for_load_state("domcontentloaded")
    assert other.locator(".page-header__meta .status").inner_text() == "On hold"

    # The old card still offers "Delivered": pressing it is refused with the reason, on the card.
    with page.expect_response(lambda r: f"/tasks/{task_id}/move/" in r.url) as move:
        card(page, task_id).get_by_role("button", name="Delivered", exact=True).click()
    assert move.value.status in (409, 412)
    error = card(page, task_id).locator(".board-card__error[role=alert]")
    error.wait_for()
    text = error.inner_text()
    assert "Someone else changed this task while your board was open" in text
    assert "it is now “On hold”" in text
    assert "nothing was changed" in text
    assert error.get_by_role("link", name="Reload the whole board").is_visible()
    # The card was reloaded: it shows the task as it is now and offers the moves of "On hold".
    assert card(page, task_id).locator(".status").inner_text() == "On hold"
    buttons = card(page, task_id).locator(".board-card__moves button").all_inner_texts()
    assert buttons == ["In progress"], buttons
    shoot(page, "board-stale-card")
    assert_clean(page, errors)

    # Nothing was overwritten: the task is on hold, with the other person's note, not delivered.
    other.reload()
    assert other.locator(".page-header__meta .status").inner_text() == "On hold"
    assert "Waiting for the client's documents." in other.locator("ol.timeline").inner_text()
    assert "Delivered" not in other.locator("ol.timeline li").last.inner_text()


def test_a_move_the_role_may_not_make_is_refused_on_the_card(page_as):
    page, errors = _open_board(page_as)
    task_id, source = _startable_card(page)
    count = column_count(page, source)
    # Only the client's admin or the executive may cancel: a provider manager's forged "Cancelled".
    button = card(page, task_id).get_by_role("button", name="In progress", exact=True)
    button.evaluate("b => { b.value = 'cancelled'; }")
    with page.expect_response(lambda r: f"/tasks/{task_id}/move/" in r.url) as move:
        button.click()
    assert move.value.status == 403
    error = card(page, task_id).locator(".board-card__error[role=alert]")
    error.wait_for()
    assert re.search(r"Your role may not move a task from “.+” to “Cancelled”", error.inner_text())
    assert "Reload the whole board" not in error.inner_text()  # not stale: the card was current
    assert column_of(page, task_id) == source
    assert column_count(page, source) == count
    assert_clean(page, errors)
    page.reload()
    assert column_of(page, task_id) == source


def test_a_card_is_moved_with_the_keyboard_alone(page_as):
    page, errors = _open_board(page_as)
    task_id, source = _startable_card(page)
    target = card(page, task_id).get_by_role("button", name="In progress", exact=True)
    target.evaluate("b => b.setAttribute('data-kbd-target', '1')")
    page.locator("#f-q").focus()  # the board's search box, then Tab through the page
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-kbd-target')"):
            break
    else:
        raise AssertionError("the card's move button cannot be reached with Tab")
    with page.expect_response(lambda r: f"/tasks/{task_id}/move/" in r.url):
        page.keyboard.press("Enter")
    page.locator(f"#cards-in_progress > li#task-{task_id}").wait_for()
    # Focus follows the card to its new column, so the keyboard user is not thrown to the top.
    page.wait_for_function(f"document.activeElement && document.activeElement.id === 'task-{task_id}'")
    assert task_id not in card_ids(page, source)
    assert_clean(page, errors)


def test_the_filter_form_narrows_the_board_to_one_engagement(page_as):
    page, errors = _open_board(page_as)
    page.get_by_label("Engagement").select_option(label="Litigation research support")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Some filters are not valid" not in page.locator("#board").inner_text()
    engagements = set(page.locator("li.board-card .board-card__engagement").all_inner_texts())
    assert engagements == {"Litigation research support"}, engagements
    assert_clean(page, errors)
