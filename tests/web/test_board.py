"""The task board: who sees which cards, moving cards in place (htmx), refusals, stale cards, bulk moves,
filters and a constant number of queries whatever the size of the book."""

import pytest
from django.urls import reverse

from engagements.choices import TaskStatus
from engagements.models import Task
from engagements.selectors import tasks_visible_to
from engagements.services import task_transition, task_transitions_available
from engagements.views.board import CARDS_PER_COLUMN
from sla.choices import ClockKind, ClockState, Priority
from sla.models import TaskClock
from sla.services import task_clocks_recompute
from tests.factories import make_task

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TITLES = {
    "task_ap_ready": "Q3 filings summary",
    "task_ap_other": "Peer margin table",
    "task_ap_draft": "Draft scoping note",
    "task_bp": "Trial outcomes digest",
    "task_aq": "Price list scrape",
}


def _board(client, user, params=None):
    client.force_login(user)
    response = client.get(reverse("engagements:board"), params or {})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _move(client, task, to, version=None, **extra):
    data = {"to": to, "version": task.version if version is None else version}
    data.update(extra)
    return client.post(reverse("engagements:task-move", args=[task.pk]), data, **HTMX)


def _shown(body) -> set[str]:
    return {name for name, title in TITLES.items() if title in body}


# --- who sees what ----------------------------------------------------------------------------------

BOARD_MATRIX = {
    # Provider P's manager: P's released tasks on both of P's engagements; never the unreleased draft.
    "provider_manager": {"task_ap_ready", "task_ap_other", "task_bp"},
    # Provider Q's manager: only Q's task.
    "other_provider_manager": {"task_aq"},
    # An analyst: only what is assigned to them.
    "provider_analyst": {"task_ap_ready"},
    # Client A: its engagements with P and Q, drafts included; never client B's.
    "client_staff": {"task_ap_ready", "task_ap_other", "task_ap_draft", "task_aq"},
    "other_client_staff": {"task_bp"},
    "consultant_executive": {"task_ap_ready", "task_ap_other", "task_ap_draft"},
    "consultant_broker": set(),
}


@pytest.mark.parametrize("persona", sorted(BOARD_MATRIX))
def test_board_shows_each_persona_only_their_cards(persona, world, personas, client):
    body = _board(client, personas[persona])
    assert _shown(body) == BOARD_MATRIX[persona]


def test_provider_board_has_no_draft_column_and_client_board_has_one(world, personas, client):
    assert 'id="cards-draft"' not in _board(client, personas["provider_manager"])
    assert 'id="cards-draft"' in _board(client, personas["client_staff"])


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("engagements:board"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["provider_manager", "provider_analyst", "client_staff", "client_sme"])
def test_cards_offer_exactly_the_moves_the_service_allows(persona, world, personas, client):
    user = personas[persona]
    body = _board(client, user)
    for task in tasks_visible_to(user).exclude(status=TaskStatus.CANCELLED):
        allowed = task_transitions_available(task=task, actor=user)
        form_url = reverse("engagements:task-move", args=[task.pk])
        assert (form_url in body) == bool(allowed), (persona, task.title)


def test_read_only_viewer_gets_no_forms_or_checkboxes(world, personas, client):
    body = _board(client, personas["consultant_analyst"])
    assert TITLES["task_ap_ready"] in body
    assert "task-move" not in body and "/move/" not in body
    assert 'name="tasks"' not in body
    assert 'id="bulk-form"' not in body


# --- moving a card ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_htmx_move_returns_the_card_in_its_new_column_with_its_recomputed_clock(
    world, client, provider_manager
):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = _move(client, task, TaskStatus.IN_PROGRESS)
    assert response.status_code == 200
    body = response.content.decode()
    # The card leaves "Ready" (the main swap is empty) and joins "In progress" out of band.
    assert 'hx-swap-oob="afterbegin:#cards-in_progress"' in body
    assert f'id="task-{task.pk}"' in body
    assert 'class="status s-in_progress"' in body
    assert "Moved from “Ready” to “In progress”" in body
    # The new version is on the card, so the next move is not refused as stale.
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert f'name="version" value="{task.version}"' in body
    # The clock recompute ran on commit: the response clock stopped (met); the card shows the resolution clock.
    clocks = {c.kind: c for c in TaskClock.objects.filter(task=task)}
    assert clocks[ClockKind.RESPONSE].state == ClockState.MET
    assert "Resolution" in body and ("left" in body or "over budget" in body)
    assert f'class="clock c-{clocks[ClockKind.RESOLUTION].state}"' in body
    # Column counts are refreshed out of band.
    assert 'id="count-ready"' in body and 'id="count-in_progress"' in body


def test_move_without_javascript_redirects_back_to_the_board(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    next_url = reverse("engagements:board") + f"?engagement={world.engagement_ap.pk}"
    response = client.post(
        reverse("engagements:task-move", args=[task.pk]),
        {"to": TaskStatus.IN_PROGRESS, "version": task.version, "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == next_url
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_move_refuses_an_offsite_next_url(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:task-move", args=[task.pk]),
        {"to": TaskStatus.IN_PROGRESS, "version": task.version, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("engagements:board")


def test_illegal_move_is_explained_on_the_card_and_changes_nothing(world, client, provider_manager):
    task = world.task_ap_ready
    client.force_login(provider_manager)
    response = _move(client, task, TaskStatus.ACCEPTED)
    assert response.status_code == 409
    body = response.content.decode()
    assert "cannot go from “Ready” to “Accepted”" in body and "Allowed next" in body
    assert 'role="alert"' in body and f'id="task-{task.pk}"' in body
    assert "hx-swap-oob" not in body.split('id="board-live"')[0]  # the card stays in place
    task.refresh_from_db()
    assert task.status == TaskStatus.READY and task.version == 2


def test_move_the_role_may_not_make_is_explained(world, client, client_staff):
    task = world.task_ap_ready
    client.force_login(client_staff)
    response = _move(client, task, TaskStatus.IN_PROGRESS)
    assert response.status_code == 403
    assert "Your role may not move a task" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.READY


def test_stale_card_reloads_with_a_message_and_changes_nothing(world, client, provider_manager, personas):
    task = world.task_ap_ready
    seen = task.version
    # Someone else starts the task and puts it on hold while the board is open.
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=task.version)
    task_transition(task=task, to=TaskStatus.ON_HOLD, actor=personas["operator"], version=task.version)
    current = task.version
    client.force_login(provider_manager)
    response = _move(client, task, TaskStatus.IN_PROGRESS, version=seen)
    assert response.status_code == 412
    body = response.content.decode()
    assert "Someone else changed this task" in body and "nothing was changed" in body
    assert f"version {current}" in body
    assert "Reload the whole board" in body
    # The reloaded card carries the current version and the moves possible now.
    assert f'name="version" value="{current}"' in body
    assert 'value="in_progress"' in body
    task.refresh_from_db()
    assert task.status == TaskStatus.ON_HOLD and task.version == current


def test_stale_card_goes_to_its_real_column_with_both_counts_redrawn(
    world, client, provider_manager, personas
):
    task = world.task_ap_ready
    seen = task.version
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=task.version)
    task_transition(task=task, to=TaskStatus.ON_HOLD, actor=personas["operator"], version=task.version)
    client.force_login(provider_manager)
    response = _move(client, task, TaskStatus.IN_PROGRESS, version=seen, column="ready")
    assert response.status_code == 412
    body = response.content.decode()
    # The card leaves the "Ready" column (no in-place card) and lands in "On hold", with its message.
    assert body.startswith('<ol hx-swap-oob="afterbegin:#cards-on_hold">')
    assert "Someone else changed this task" in body
    assert 'id="count-ready" hx-swap-oob="true"' in body
    assert 'id="count-on_hold" hx-swap-oob="true"' in body


def test_stale_card_still_in_its_column_is_redrawn_in_place(world, client, provider_manager, personas):
    task = world.task_ap_ready
    seen = task.version
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=task.version)
    task_transition(task=task, to=TaskStatus.ON_HOLD, actor=personas["operator"], version=task.version)
    client.force_login(provider_manager)
    response = _move(client, task, TaskStatus.IN_PROGRESS, version=seen, column="on_hold")
    body = response.content.decode()
    assert response.status_code == 412
    assert 'hx-swap-oob="afterbegin' not in body and "count-" not in body


def test_bad_move_input_is_a_400_on_the_card(world, client, provider_manager):
    client.force_login(provider_manager)
    response = _move(client, world.task_ap_ready, "flying")
    assert response.status_code == 400
    assert "Choose one of the statuses" in response.content.decode()


def test_moving_another_tenants_card_is_a_404(world, client, other_provider_manager):
    task = world.task_ap_ready
    client.force_login(other_provider_manager)
    assert _move(client, task, TaskStatus.IN_PROGRESS).status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.READY


# --- bulk -------------------------------------------------------------------------------------------


def test_bulk_move_reports_each_tasks_outcome(world, client, provider_manager, personas):
    ready, other, foreign = world.task_ap_ready, world.task_ap_other, world.task_aq
    stale_version = other.version
    # Someone else starts it and puts it on hold: moving it on is legal, but from a stale copy.
    task_transition(task=other, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=other.version)
    task_transition(task=other, to=TaskStatus.ON_HOLD, actor=personas["operator"], version=other.version)
    bp = world.task_bp
    client.force_login(provider_manager)
    response = client.post(
        reverse("engagements:board-bulk"),
        {
            "to": TaskStatus.IN_PROGRESS,
            "tasks": [
                f"{ready.pk}:{ready.version}",
                f"{other.pk}:{stale_version}",
                f"{foreign.pk}:{foreign.version}",
                f"{bp.pk}:{bp.version}",
            ],
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 moved, 2 not moved." in body
    assert "Changed by someone else" in body  # the stale one
    assert f"#{foreign.pk}" in body and "No such task, or you may not see it." in body  # another provider's
    assert TITLES["task_aq"] not in body
    for task, expected in (
        (ready, TaskStatus.IN_PROGRESS),
        (bp, TaskStatus.IN_PROGRESS),
        (other, TaskStatus.ON_HOLD),  # moved by the operator, untouched by the bulk action
        (foreign, TaskStatus.READY),
    ):
        task.refresh_from_db()
        assert task.status == expected, task.title
    other.refresh_from_db()
    assert other.version == stale_version + 2


def test_bulk_move_explains_an_illegal_move_per_task(world, client, client_admin):
    draft, ready = world.task_ap_draft, world.task_ap_ready
    client.force_login(client_admin)
    response = client.post(
        reverse("engagements:board-bulk"),
        {"to": TaskStatus.READY, "tasks": [f"{draft.pk}:{draft.version}", f"{ready.pk}:{ready.version}"]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 moved, 1 not moved." in body
    assert "cannot go from “Ready” to “Ready”" in body
    draft.refresh_from_db()
    assert draft.status == TaskStatus.READY


@pytest.mark.parametrize(
    "tasks, message",
    [([], "Select at least one task."), (["abc"], "A selected task is malformed")],
)
def test_bulk_move_with_bad_selection_is_a_400(tasks, message, world, client, provider_manager):
    client.force_login(provider_manager)
    response = client.post(reverse("engagements:board-bulk"), {"to": TaskStatus.IN_PROGRESS, "tasks": tasks})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Task.objects.filter(status=TaskStatus.IN_PROGRESS).exists()


# --- filters ----------------------------------------------------------------------------------------


def test_filters_narrow_the_board(world, client, provider_manager):
    assert _shown(_board(client, provider_manager, {"engagement": world.engagement_bp.pk})) == {"task_bp"}
    assert _shown(_board(client, provider_manager, {"priority": Priority.P2})) == {"task_ap_ready"}
    assert _shown(_board(client, provider_manager, {"assignee": world.analyst_member.pk})) == {
        "task_ap_ready"
    }
    assert _shown(_board(client, provider_manager, {"q": "margin"})) == {"task_ap_other"}
    assert _shown(_board(client, provider_manager, {"status": TaskStatus.IN_PROGRESS})) == set()


def test_filtering_by_another_tenants_engagement_is_refused(world, client, provider_manager):
    client.force_login(provider_manager)
    response = client.get(reverse("engagements:board"), {"engagement": world.engagement_aq.pk})
    assert response.status_code == 400
    assert _shown(response.content.decode()) == set()


# --- size: capped columns and constant queries ---------------------------------------------------------


def _grow(world, actor, count, priority=Priority.P3):
    for i in range(count):
        task = make_task(
            engagement=world.engagement_ap,
            title=f"Bulk task {Task.objects.count()}-{i}",
            assignee=world.other_team_member,
            priority=priority,
            actor=actor,
        )
        task_transition(task=task, to=TaskStatus.READY, actor=actor, version=task.version)


def test_a_long_column_shows_a_page_of_cards_and_n_more(world, client, provider_manager, personas):
    _grow(world, personas["client_staff"], CARDS_PER_COLUMN + 5)
    body = _board(client, provider_manager)
    ready_column = body.split('id="cards-ready"')[1].split("</ol>")[0]
    assert ready_column.count('class="board-card ') == CARDS_PER_COLUMN
    # 25 grown + 3 of the world's tasks released to P: 8 beyond the first page.
    assert "8 more" in ready_column
    client.force_login(provider_manager)
    more = client.get(
        reverse("engagements:board-column", args=[TaskStatus.READY]), {"offset": CARDS_PER_COLUMN}, **HTMX
    )
    assert more.status_code == 200
    assert more.content.decode().count('class="board-card ') == 8
    assert "more" not in more.content.decode().split("</li>")[-1]


def _measure_all():
    """Clocks are recomputed on commit, which never comes in these tests: measure every task now."""
    for task_id in Task.objects.values_list("pk", flat=True):
        task_clocks_recompute(task_id=task_id)


def test_board_query_count_is_constant(world, client, personas, django_assert_max_num_queries):
    user = personas["provider_manager"]
    client.force_login(user)
    url = reverse("engagements:board")
    _measure_all()
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(BOARD_QUERY_BUDGET) as small:
        assert client.get(url).status_code == 200
    _grow(world, personas["client_staff"], 30)
    for task in list(Task.objects.filter(title__startswith="Bulk task"))[:12]:
        task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=user, version=task.version)
    _measure_all()
    with django_assert_max_num_queries(BOARD_QUERY_BUDGET) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# Session, user, memberships, nav and notifications; per column a page of cards and a capped count
# (6 columns for a provider); the cards' clocks, calendars and consultant links; the filter's choices.
BOARD_QUERY_BUDGET = 35


def test_a_move_that_became_illegal_because_someone_moved_the_card_says_so(
    world, client, provider_manager, personas
):
    task = world.task_ap_ready
    seen = task.version
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=personas["operator"], version=seen)
    client.force_login(provider_manager)
    # The card still offered "In progress"; from "In progress" that move is no longer legal.
    response = _move(client, task, TaskStatus.IN_PROGRESS, version=seen)
    assert response.status_code == 412
    body = response.content.decode()
    assert "Someone else changed this task" in body and "it is now “In progress”" in body
    task.refresh_from_db()
    assert task.version == seen + 1


def test_rework_card_without_a_rework_target_shows_the_rework_not_a_met_clock(
    world, client, provider_manager, personas
):
    world.engagement_ap.sla.targets.update(rework_resolution_seconds=None)
    task = world.task_ap_ready
    task_transition(task=task, to=TaskStatus.IN_PROGRESS, actor=provider_manager, version=task.version)
    task_transition(task=task, to=TaskStatus.DELIVERED, actor=provider_manager, version=task.version)
    task_transition(
        task=task,
        to=TaskStatus.REWORK_REQUESTED,
        actor=personas["client_sme"],
        version=task.version,
        note="Redo",
    )
    task_clocks_recompute(task_id=task.pk)
    assert TaskClock.objects.filter(task=task, state=ClockState.MET).exists()
    assert (
        not TaskClock.objects.filter(task=task, kind=ClockKind.REWORK)
        .exclude(state="not_applicable")
        .exists()
    )
    body = _board(client, provider_manager)
    card = body.split(f'id="task-{task.pk}"', 1)[1].split("</li>", 1)[0]
    assert "no rework target in the SLA" in card
    assert "c-met" not in card
