"""The task status machine (engagements.choices.TASK_TRANSITIONS) as the services enforce it.

Legal moves succeed for the roles the table names, illegal ones are refused with the allowed next
statuses, stale copies are refused, every move leaves exactly one event and one audit row, and the
people concerned hear about it once.
"""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.choices import (
    ASSIGNEE,
    TASK_TRANSITIONS,
    ConsultantRole,
    DefectType,
    ReviewOutcome,
    TaskStatus,
)
from engagements.models import EngagementConsultant, QualityReview, Task, TaskEvent, TimeEntry
from engagements.selectors import engagements_visible_to
from engagements.services import (
    engagement_attach_consultant,
    review_submit,
    task_transition,
    time_entry_log,
)
from kpo.accounts.choices import Role
from kpo.accounts.models import Membership
from kpo.accounts.services import membership_grant
from kpo.core.exceptions import ApplicationError, IllegalTransition, PermissionDenied, StaleVersion
from kpo.core.models import AuditLog
from kpo.events.models import DomainEvent, Notification
from kpo.events.services import event_dispatch
from kpo.events.tasks import dispatch_event
from providers.choices import StaffRole
from providers.models import RateCard

from ..factories import (
    RateCardEntryFactory,
    RateCardFactory,
    UserFactory,
    advance_task,
    make_member,
    make_task,
)

pytestmark = pytest.mark.django_db

S = TaskStatus

# The persona who holds each role of the table on engagement_ap; ASSIGNEE is the analyst of the task.
PERSONA_BY_ROLE = {
    Role.CLIENT_STAFF: "client_staff",
    Role.CLIENT_SME: "client_sme",
    Role.CLIENT_ADMIN: "client_admin",
    Role.PROVIDER_MANAGER: "provider_manager",
    Role.CONSULTANT_EXECUTIVE: "consultant_executive",
    Role.CONSULTANT_ANALYST: "consultant_analyst",
    ASSIGNEE: "provider_analyst",
}
# Personas with no role on engagement_ap at all.
OUTSIDERS = ("other_client_staff", "other_provider_manager", "consultant_broker", "consultant_recruiter")

LEGAL_MOVES = [(before, after) for before, nexts in TASK_TRANSITIONS.items() for after in nexts]
MATRIX_PERSONAS = [*PERSONA_BY_ROLE.values(), *OUTSIDERS, "operator"]


def expected_outcome(before: str, after: str, persona: str) -> str:
    """What the table says should happen when `persona` tries the move on engagement_ap."""
    if persona == "operator":
        return "moved"  # operators may make any legal move
    role = next((role for role, name in PERSONA_BY_ROLE.items() if name == persona), None)
    return "moved" if role in TASK_TRANSITIONS[before][after] else "PermissionDenied"


def state_of(task: Task) -> tuple:
    """What a user (or an auditor) would notice about a task: its status, version and history."""
    task = Task.objects.get(pk=task.pk)
    return (
        task.status,
        task.version,
        TaskEvent.objects.filter(task=task).count(),
        AuditLog.objects.filter(object_type="engagements.task", object_id=str(task.pk)).count(),
        DomainEvent.objects.filter(payload__task_id=task.pk).count(),
    )


@pytest.fixture
def fresh_task(world, operator):
    """`fresh_task(status)`: a new task on engagement_ap, assigned to the provider analyst, walked to `status`."""

    def _make(status: str) -> Task:
        task = make_task(engagement=world.engagement_ap, assignee=world.analyst_member)
        return advance_task(task, status, actor=operator)

    return _make


# --- the table -----------------------------------------------------------------------------------


def test_every_status_is_in_the_table_and_every_move_names_its_roles():
    assert set(TASK_TRANSITIONS) == set(TaskStatus.values)
    for nexts in TASK_TRANSITIONS.values():
        for roles in nexts.values():
            assert roles, "a legal move nobody may make"
            assert roles <= set(PERSONA_BY_ROLE), f"no persona tests the roles {roles - set(PERSONA_BY_ROLE)}"


def test_the_table_follows_the_domain_status_machine():
    # shared/design/domain.md: provider manager ready->in_progress->delivered, on_hold; SME accepts or asks rework.
    assert Role.PROVIDER_MANAGER in TASK_TRANSITIONS[S.READY][S.IN_PROGRESS]
    assert Role.PROVIDER_MANAGER in TASK_TRANSITIONS[S.IN_PROGRESS][S.DELIVERED]
    assert Role.PROVIDER_MANAGER in TASK_TRANSITIONS[S.IN_PROGRESS][S.ON_HOLD]
    assert Role.CLIENT_SME in TASK_TRANSITIONS[S.DELIVERED][S.ACCEPTED]
    assert Role.CLIENT_SME in TASK_TRANSITIONS[S.DELIVERED][S.REWORK_REQUESTED]
    assert S.IN_PROGRESS in TASK_TRANSITIONS[S.REWORK_REQUESTED]
    # cancelled from any state before accepted; nothing after accepted or cancelled.
    assert all(
        S.CANCELLED in TASK_TRANSITIONS[s] for s in TaskStatus.values if s not in {S.ACCEPTED, S.CANCELLED}
    )
    assert TASK_TRANSITIONS[S.ACCEPTED] == {} and TASK_TRANSITIONS[S.CANCELLED] == {}


# --- legal and illegal moves ---------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), LEGAL_MOVES, ids=[f"{b}->{a}" for b, a in LEGAL_MOVES])
def test_a_legal_move_succeeds_exactly_for_the_roles_the_table_names(request, fresh_task, before, after):
    """One row of a Taiga-style matrix: every persona tries the move on its own copy of the world."""
    task = fresh_task(before)
    unchanged = state_of(task)
    outcomes = {}
    for persona in MATRIX_PERSONAS:
        actor = request.getfixturevalue(persona)
        with transaction.atomic():  # each attempt is rolled back, so every persona starts from `before`
            copy = Task.objects.get(pk=task.pk)
            try:
                moved = task_transition(task=copy, to=after, actor=actor, version=copy.version, note=persona)
            except PermissionDenied:
                outcomes[persona] = "PermissionDenied"
                assert state_of(task) == unchanged, f"{persona} was refused but the task changed"
            else:
                outcomes[persona] = "moved"
                reloaded = Task.objects.get(pk=task.pk)
                assert (moved.status, reloaded.status, reloaded.version) == (after, after, unchanged[1] + 1)
                last = reloaded.events.order_by("-task_version").first()
                assert (last.actor, last.note) == (actor, persona)
            transaction.set_rollback(True)

    assert outcomes == {persona: expected_outcome(before, after, persona) for persona in MATRIX_PERSONAS}
    assert state_of(task) == unchanged


@pytest.mark.parametrize("before", TaskStatus.values)
def test_an_illegal_move_is_refused_naming_the_allowed_next_statuses(fresh_task, operator, before):
    task = fresh_task(before)
    unchanged = state_of(task)
    allowed = list(TASK_TRANSITIONS[before])
    illegal = [after for after in TaskStatus.values if after not in allowed]
    assert before in illegal  # staying put is never a move

    for after in illegal:
        with pytest.raises(IllegalTransition) as refused:
            task_transition(task=task, to=after, actor=operator, version=task.version)

        message = refused.value.message
        assert f"from “{TaskStatus(before).label}” to “{TaskStatus(after).label}”" in message
        named_next = message.split("Allowed next:")[1]
        assert all(str(TaskStatus(status).label) in named_next for status in allowed), message
        if not allowed:
            assert named_next == " none."
        assert refused.value.extra["allowed"] == allowed
        assert refused.value.status_code == 409
        assert state_of(task) == unchanged, f"{before}->{after} was refused but the task changed"


def test_an_unknown_status_is_refused(world, operator):
    task = world.task_ap_ready
    unchanged = state_of(task)
    with pytest.raises(ApplicationError, match="Unknown status"):
        task_transition(task=task, to="done", actor=operator, version=task.version)
    assert state_of(task) == unchanged


# --- roles, as the domain describes them ---------------------------------------------------------


def test_client_staff_cannot_deliver(fresh_task, client_staff):
    task = fresh_task(S.IN_PROGRESS)
    unchanged = state_of(task)
    with pytest.raises(PermissionDenied, match="Your role may not move a task"):
        task_transition(task=task, to=S.DELIVERED, actor=client_staff, version=task.version)
    assert state_of(task) == unchanged


def test_provider_manager_cannot_accept_their_own_delivery(fresh_task, provider_manager):
    task = fresh_task(S.DELIVERED)
    unchanged = state_of(task)
    with pytest.raises(PermissionDenied):
        task_transition(task=task, to=S.ACCEPTED, actor=provider_manager, version=task.version)
    assert state_of(task) == unchanged


def test_provider_analyst_starts_a_task_assigned_to_them_but_not_a_colleagues(world, provider_analyst):
    mine, theirs = world.task_ap_ready, world.task_ap_other
    task_transition(task=mine, to=S.IN_PROGRESS, actor=provider_analyst, version=mine.version)
    assert Task.objects.get(pk=mine.pk).status == S.IN_PROGRESS

    unchanged = state_of(theirs)
    with pytest.raises(PermissionDenied):
        task_transition(task=theirs, to=S.IN_PROGRESS, actor=provider_analyst, version=theirs.version)
    assert state_of(theirs) == unchanged


def test_another_providers_manager_has_no_access_to_the_task(world, other_provider_manager):
    task = world.task_ap_ready
    unchanged = state_of(task)
    with pytest.raises(PermissionDenied, match="do not have access"):
        task_transition(task=task, to=S.IN_PROGRESS, actor=other_provider_manager, version=task.version)
    assert state_of(task) == unchanged


def test_another_clients_staff_has_no_access_to_the_task(world, other_client_staff):
    task = world.task_ap_draft
    unchanged = state_of(task)
    with pytest.raises(PermissionDenied, match="do not have access"):
        task_transition(task=task, to=S.READY, actor=other_client_staff, version=task.version)
    assert state_of(task) == unchanged


def test_a_deactivated_provider_manager_can_no_longer_move_tasks(world, provider_manager):
    provider_manager.is_active = False
    provider_manager.save(update_fields=["is_active"])
    task = world.task_ap_ready
    with pytest.raises(PermissionDenied):
        task_transition(task=task, to=S.IN_PROGRESS, actor=provider_manager, version=task.version)
    assert Task.objects.get(pk=task.pk).status == S.READY


@pytest.mark.parametrize("outcome", [S.ACCEPTED, S.REWORK_REQUESTED])
def test_client_sme_accepts_or_requests_rework(fresh_task, client_sme, outcome):
    task = fresh_task(S.DELIVERED)
    task_transition(
        task=task, to=outcome, actor=client_sme, version=task.version, note="Sampled 3 of 12 rows"
    )
    task.refresh_from_db()
    assert task.status == outcome


def test_reworked_task_goes_back_in_progress_and_can_be_delivered_again(
    fresh_task, provider_manager, client_sme
):
    task = fresh_task(S.REWORK_REQUESTED)
    for status, actor in (
        (S.IN_PROGRESS, provider_manager),
        (S.DELIVERED, provider_manager),
        (S.ACCEPTED, client_sme),
    ):
        task_transition(task=task, to=status, actor=actor, version=task.version)
    history = list(task.events.order_by("task_version").values_list("to_status", flat=True))
    assert history == [
        S.DRAFT,
        S.READY,
        S.IN_PROGRESS,
        S.DELIVERED,
        S.REWORK_REQUESTED,
        S.IN_PROGRESS,
        S.DELIVERED,
        S.ACCEPTED,
    ]


# --- lost updates --------------------------------------------------------------------------------


def test_stale_version_is_refused_and_changes_nothing(world, provider_manager):
    task = world.task_ap_ready
    unchanged = state_of(task)
    with pytest.raises(StaleVersion) as refused:
        task_transition(task=task, to=S.IN_PROGRESS, actor=provider_manager, version=task.version - 1)
    assert refused.value.extra == {"current_version": task.version}
    assert "Reload" in refused.value.message
    assert state_of(task) == unchanged


def test_the_second_of_two_concurrent_editors_is_refused(world, provider_manager, client_admin):
    first_copy = Task.objects.get(pk=world.task_ap_ready.pk)
    second_copy = Task.objects.get(pk=world.task_ap_ready.pk)

    task_transition(task=first_copy, to=S.IN_PROGRESS, actor=provider_manager, version=first_copy.version)
    with pytest.raises(StaleVersion):
        task_transition(task=second_copy, to=S.CANCELLED, actor=client_admin, version=second_copy.version)

    assert Task.objects.get(pk=first_copy.pk).status == S.IN_PROGRESS


# --- what each move leaves behind ----------------------------------------------------------------


def test_a_move_bumps_the_version_and_writes_one_event_and_one_audit_row(world, provider_manager):
    task = world.task_ap_ready
    version = task.version
    last_event_id = TaskEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_audit_id = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()

    moved = task_transition(
        task=task, to=S.IN_PROGRESS, actor=provider_manager, version=version, note="Kick-off"
    )

    assert moved.version == version + 1
    assert Task.objects.get(pk=task.pk).version == version + 1
    [event] = TaskEvent.objects.filter(pk__gt=last_event_id)
    assert (
        event.task_id,
        event.from_status,
        event.to_status,
        event.actor,
        event.note,
        event.task_version,
    ) == (
        task.pk,
        S.READY,
        S.IN_PROGRESS,
        provider_manager,
        "Kick-off",
        version + 1,
    )
    [audit] = AuditLog.objects.filter(pk__gt=last_audit_id)
    assert (audit.action, audit.object_type, audit.object_id, audit.actor) == (
        "task.transitioned",
        "engagements.task",
        str(task.pk),
        provider_manager,
    )
    assert audit.changes == {"from": S.READY, "to": S.IN_PROGRESS, "version": version + 1, "note": "Kick-off"}


def test_each_move_of_a_life_adds_one_version(fresh_task, operator):
    task = fresh_task(S.ACCEPTED)  # draft, ready, in progress, delivered, accepted
    assert task.version == 5
    versions = list(task.events.order_by("occurred_at", "id").values_list("task_version", flat=True))
    assert versions == [1, 2, 3, 4, 5]


def test_back_dating_before_the_previous_event_is_refused(world, provider_manager):
    task = world.task_ap_ready
    last_event_at = task.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    unchanged = state_of(task)

    with pytest.raises(ApplicationError, match="before the task's previous event"):
        task_transition(
            task=task,
            to=S.IN_PROGRESS,
            actor=provider_manager,
            version=task.version,
            at=last_event_at - timedelta(minutes=1),
        )
    assert state_of(task) == unchanged

    later = last_event_at + timedelta(seconds=1)
    task_transition(task=task, to=S.IN_PROGRESS, actor=provider_manager, version=task.version, at=later)
    assert task.events.get(to_status=S.IN_PROGRESS).occurred_at == later


def test_dating_an_event_in_the_future_is_refused(world, provider_manager):
    task = world.task_ap_ready
    unchanged = state_of(task)
    with pytest.raises(ApplicationError, match="in the future"):
        task_transition(
            task=task,
            to=S.IN_PROGRESS,
            actor=provider_manager,
            version=task.version,
            at=timezone.now() + timedelta(hours=1),
        )
    assert state_of(task) == unchanged


def test_a_failed_event_insert_leaves_the_task_unchanged(world, provider_manager):
    task = world.task_ap_ready
    unchanged = state_of(task)

    with (
        mock.patch("engagements.models.TaskEvent.objects.create", side_effect=IntegrityError("disk full")),
        pytest.raises(IntegrityError),
    ):
        task_transition(task=task, to=S.IN_PROGRESS, actor=provider_manager, version=task.version)

    assert state_of(task) == unchanged
    assert (task.status, task.version) == unchanged[:2]  # the caller's copy is not half-updated either


# --- events and notifications --------------------------------------------------------------------


def notified(event) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__email", flat=True))


def test_a_delivery_notifies_the_clients_smes(
    world, fresh_task, provider_manager, client_sme, client_staff, django_capture_on_commit_callbacks
):
    second_sme = make_member(world.client_a.organisation, Role.CLIENT_SME, email="sme2@northwind.example")
    make_member(world.client_b.organisation, Role.CLIENT_SME, email="sme@contoso.example")  # another client's
    task = fresh_task(S.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task_transition(
            task=task, to=S.DELIVERED, actor=provider_manager, version=task.version, note="See tab 2"
        )

    assert len(callbacks) == 2  # the clock recompute and the event dispatch
    event = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=S.DELIVERED)
    assert event.event_type == "task.status_changed"
    assert event.engagement == world.engagement_ap and event.actor == provider_manager
    assert event.dispatched_at is not None
    assert notified(event) == {client_sme.email, second_sme.email}
    notification = Notification.objects.get(event=event, recipient=client_sme)
    assert notification.title == f"Delivered, awaiting your review: {task.title}"
    assert notification.body == "See tab 2"
    assert notification.url == task.get_absolute_url()
    assert notification.read_at is None


def test_a_released_task_notifies_the_providers_managers_and_its_assignee(
    world,
    client_staff,
    provider_manager,
    provider_analyst,
    other_provider_manager,
    django_capture_on_commit_callbacks,
):
    task = make_task(engagement=world.engagement_ap, assignee=world.analyst_member, actor=client_staff)

    with django_capture_on_commit_callbacks(execute=True):
        task_transition(task=task, to=S.READY, actor=client_staff, version=task.version)

    event = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=S.READY)
    assert notified(event) == {provider_manager.email, provider_analyst.email}
    assert other_provider_manager.email not in notified(event)


def test_the_actor_is_not_notified_of_their_own_move(
    world, client_staff, provider_manager, django_capture_on_commit_callbacks
):
    colleague = make_member(
        world.client_a.organisation, Role.CLIENT_STAFF, email="colleague@northwind.example"
    )
    task = world.task_ap_draft  # cancelling a draft tells the client's staff (the provider never saw it)

    with django_capture_on_commit_callbacks(execute=True):
        task_transition(task=task, to=S.CANCELLED, actor=client_staff, version=task.version)

    event = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=S.CANCELLED)
    assert notified(event) == {colleague.email}


def test_nothing_is_dispatched_before_the_transaction_commits(
    world, provider_manager, django_capture_on_commit_callbacks
):
    task = world.task_ap_ready
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_transition(task=task, to=S.IN_PROGRESS, actor=provider_manager, version=task.version)
    event = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=S.IN_PROGRESS)
    assert len(callbacks) == 2  # the clock recompute and the event dispatch
    assert event.dispatched_at is None


def test_an_event_is_dispatched_only_once(
    world, fresh_task, provider_manager, client_sme, django_capture_on_commit_callbacks
):
    task = fresh_task(S.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_transition(task=task, to=S.DELIVERED, actor=provider_manager, version=task.version)
    event = DomainEvent.objects.get(payload__task_id=task.pk, payload__to_status=S.DELIVERED)

    dispatch = callbacks[-1]  # the event's enqueue after commit (the first recomputes the clocks)
    dispatch()
    dispatch()  # ... delivered twice by the broker
    assert dispatch_event.delay(str(event.pk)).get() is False  # ... and once more by the outbox sweep
    assert event_dispatch(event_id=event.pk) is False

    event.refresh_from_db()
    assert event.attempts == 1 and event.dispatched_at is not None
    assert Notification.objects.filter(event=event).count() == 1
    assert notified(event) == {client_sme.email}


# --- reviews -------------------------------------------------------------------------------------


def test_a_review_asking_for_rework_reopens_the_task_with_its_defects(fresh_task, client_sme):
    task = fresh_task(S.DELIVERED)

    review = review_submit(
        task=task,
        reviewer=client_sme,
        accuracy_score=Decimal("71.50"),
        outcome=ReviewOutcome.REWORK,
        version=task.version,
        findings="Two revenue figures misread.",
        defects={DefectType.FACTUAL_ERROR: 2, DefectType.FORMATTING: 1, DefectType.MISSED_SOURCE: 0},
    )

    task.refresh_from_db()
    assert task.status == S.REWORK_REQUESTED
    review = QualityReview.objects.get(pk=review.pk)
    assert (review.task, review.reviewer, review.accuracy_score, review.outcome, review.findings) == (
        task,
        client_sme,
        Decimal("71.50"),
        ReviewOutcome.REWORK,
        "Two revenue figures misread.",
    )
    assert set(review.defects.values_list("defect_type", "count")) == {
        (DefectType.FACTUAL_ERROR, 2),
        (DefectType.FORMATTING, 1),
    }
    last = task.events.order_by("-task_version").first()
    assert (last.to_status, last.actor, last.note) == (
        S.REWORK_REQUESTED,
        client_sme,
        "Two revenue figures misread.",
    )
    assert AuditLog.objects.filter(action="review.submitted", object_id=str(review.pk)).count() == 1


def test_a_review_accepting_the_work_closes_the_task(fresh_task, client_sme):
    task = fresh_task(S.DELIVERED)
    review_submit(
        task=task,
        reviewer=client_sme,
        accuracy_score=98,
        outcome=ReviewOutcome.ACCEPTED,
        version=task.version,
    )
    task.refresh_from_db()
    assert task.status == S.ACCEPTED
    assert task.reviews.get().defects.count() == 0


@pytest.mark.parametrize(
    ("score", "outcome", "message"),
    [
        (150, ReviewOutcome.ACCEPTED, "between 0 and 100"),
        (-5, ReviewOutcome.REWORK, "between 0 and 100"),
        (80, "maybe", "Unknown review outcome"),
    ],
)
def test_a_refused_review_writes_nothing(fresh_task, client_sme, score, outcome, message):
    task = fresh_task(S.DELIVERED)
    unchanged = state_of(task)
    with pytest.raises(ApplicationError, match=message):
        review_submit(
            task=task,
            reviewer=client_sme,
            accuracy_score=score,
            outcome=outcome,
            version=task.version,
            defects={DefectType.FACTUAL_ERROR: 1},
        )
    assert state_of(task) == unchanged
    assert not QualityReview.objects.filter(task=task).exists()


def test_a_review_by_the_provider_writes_nothing(fresh_task, provider_manager):
    task = fresh_task(S.DELIVERED)
    unchanged = state_of(task)
    with pytest.raises(PermissionDenied):
        review_submit(
            task=task, reviewer=provider_manager, accuracy_score=100, outcome="accepted", version=task.version
        )
    assert state_of(task) == unchanged
    assert not QualityReview.objects.filter(task=task).exists()


# --- effort --------------------------------------------------------------------------------------


def test_effort_is_priced_at_the_rate_card_in_force_on_the_work_day(world, provider_manager):
    RateCard.objects.filter(pk=world.rate_card_p.pk).update(valid_until=date(2025, 1, 1))
    card_2025 = RateCardFactory(
        provider=world.provider_p, name="Prism 2025 revised", valid_from=date(2025, 1, 1)
    )
    RateCardEntryFactory(rate_card=card_2025, role=StaffRole.ANALYST, hourly_rate=Decimal("44.00"))
    RateCardEntryFactory(rate_card=card_2025, role=StaffRole.SENIOR_ANALYST, hourly_rate=Decimal("60.00"))
    task = world.task_ap_ready

    def log(member, day, hours):
        return time_entry_log(
            task=task, team_member=member, work_date=day, hours=Decimal(hours), actor=provider_manager
        )

    old = log(world.analyst_member, date(2024, 12, 31), "2")
    new = log(world.analyst_member, date(2025, 1, 1), "1.5")
    senior = log(world.other_team_member, date(2025, 2, 3), "3")

    assert (old.hourly_rate, old.currency, old.amount) == (Decimal("40.00"), "EUR", Decimal("80.00"))
    assert (new.hourly_rate, new.amount) == (Decimal("44.00"), Decimal("66.00"))
    assert (senior.hourly_rate, senior.amount) == (Decimal("60.00"), Decimal("180.00"))
    assert TimeEntry.objects.filter(task=task).count() == 3


def test_effort_of_another_providers_member_is_refused(world, provider_manager):
    task = world.task_ap_ready
    with pytest.raises(ApplicationError, match="does not work for Prism Analytics"):
        time_entry_log(
            task=task,
            team_member=world.provider_q_member,
            work_date=date(2025, 3, 3),
            hours=Decimal("1"),
            actor=provider_manager,
        )
    assert not TimeEntry.objects.filter(task=task).exists()


def test_an_analyst_logs_their_own_effort_but_not_a_colleagues(world, provider_analyst):
    task = world.task_ap_ready
    own = time_entry_log(
        task=task,
        team_member=world.analyst_member,
        work_date=date(2025, 3, 3),
        hours=Decimal("4"),
        actor=provider_analyst,
    )
    assert own.amount == Decimal("160.00")
    with pytest.raises(PermissionDenied):
        time_entry_log(
            task=task,
            team_member=world.other_team_member,
            work_date=date(2025, 3, 3),
            hours=Decimal("4"),
            actor=provider_analyst,
        )
    assert list(TimeEntry.objects.filter(task=task)) == [own]


@pytest.mark.parametrize("hours", ["0", "24.25", "-1"])
def test_effort_outside_0_to_24_hours_is_refused(world, provider_manager, hours):
    with pytest.raises(ApplicationError, match="Hours must be"):
        time_entry_log(
            task=world.task_ap_ready,
            team_member=world.analyst_member,
            work_date=date(2025, 3, 3),
            hours=Decimal(hours),
            actor=provider_manager,
        )
    assert not TimeEntry.objects.exists()


# --- consultants and memberships -----------------------------------------------------------------


def test_attaching_someone_without_the_consultant_role_is_refused(world, client_staff, consultant_analyst):
    engagement = world.engagement_bp
    with pytest.raises(ApplicationError, match="is not a consultant"):
        engagement_attach_consultant(engagement=engagement, user=client_staff, role=ConsultantRole.EXECUTIVE)
    with pytest.raises(ApplicationError, match="is not a consultant"):
        engagement_attach_consultant(
            engagement=engagement, user=consultant_analyst, role=ConsultantRole.EXECUTIVE
        )

    assert not EngagementConsultant.objects.filter(engagement=engagement).exists()
    assert engagement not in engagements_visible_to(client_staff)
    assert engagement not in engagements_visible_to(consultant_analyst)


def test_a_user_cannot_join_a_second_organisation(world, client_staff):
    with pytest.raises(ApplicationError, match="already belongs to Northwind Bank"):
        membership_grant(user=client_staff, organisation=world.client_b.organisation, role=Role.CLIENT_STAFF)
    assert list(
        Membership.objects.filter(user=client_staff).values_list("organisation__name", flat=True)
    ) == ["Northwind Bank"]
    assert not client_staff.groups.filter(pk=world.client_b.organisation.group_id).exists()


def test_a_second_role_in_the_same_organisation_is_granted(world, client_staff):
    membership_grant(user=client_staff, organisation=world.client_a.organisation, role=Role.CLIENT_SME)
    assert set(Membership.objects.filter(user=client_staff).values_list("role", flat=True)) == {
        Role.CLIENT_STAFF,
        Role.CLIENT_SME,
    }


@pytest.mark.parametrize(
    ("organisation", "role", "accepted"),
    [
        ("client_a", Role.PROVIDER_MANAGER, False),
        ("client_a", Role.CONSULTANT_EXECUTIVE, False),
        ("provider_p", Role.CLIENT_SME, False),
        ("consultancy", Role.PROVIDER_ANALYST, False),
        ("provider_p", Role.CONSULTANT_RECRUITER, True),  # consultants may sit in a provider
        ("consultancy", Role.CONSULTANT_BROKER, True),
    ],
)
def test_a_role_must_fit_the_organisations_kind(world, organisation, role, accepted):
    org = getattr(world, organisation)
    org = getattr(org, "organisation", org)
    user = UserFactory(email="newcomer@example.com")
    if accepted:
        membership_grant(user=user, organisation=org, role=role)
        assert user.groups.filter(pk=org.group_id).exists()
    else:
        with pytest.raises(ApplicationError, match="cannot grant the role"):
            membership_grant(user=user, organisation=org, role=role)
        assert not Membership.objects.filter(user=user).exists()
        assert not user.groups.exists()


def test_an_unknown_role_is_refused(world):
    user = UserFactory(email="newcomer@example.com")
    with pytest.raises(ApplicationError, match="Unknown role"):
        membership_grant(user=user, organisation=world.client_a.organisation, role="janitor")
    assert not Membership.objects.filter(user=user).exists()
