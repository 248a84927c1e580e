"""The isolation matrix: what every persona may read, from the one permission choke point."""

import pytest
from django.contrib.auth.models import AnonymousUser

from engagements.choices import ConsultantRole, TaskStatus
from engagements.selectors import (
    clients_visible_to,
    comments_visible_to,
    engagement_roles,
    engagements_visible_to,
    reviews_visible_to,
    task_events_visible_to,
    task_list_for,
    tasks_visible_to,
)
from engagements.services import engagement_attach_consultant, engagement_detach_consultant
from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.services import membership_grant

from ..factories import make_engagement, make_member, make_task
from .conftest import TASKS

pytestmark = pytest.mark.django_db


CLIENT_A_SIDE = {
    "engagements": {"ap", "aq"},
    "tasks": {"task_ap_ready", "task_ap_other", "task_ap_draft", "task_aq"},
    "comments": {"ap", "aq", "on:task_ap_ready", "on:task_ap_other", "on:task_ap_draft", "on:task_aq"},
    "clients": {"client_a"},
}
ATTACHED_CONSULTANT = {
    "engagements": {"ap"},
    "tasks": {"task_ap_ready", "task_ap_other", "task_ap_draft"},
    "comments": {"ap", "on:task_ap_ready", "on:task_ap_other", "on:task_ap_draft"},
    "clients": {"client_a"},
}
NOTHING = {"engagements": set(), "tasks": set(), "comments": set(), "clients": set()}
EVERYTHING = {
    "engagements": {"ap", "bp", "aq"},
    "tasks": set(TASKS),
    "comments": {"ap", "bp", "aq", *(f"on:{task}" for task in TASKS)},
    "clients": {"client_a", "client_b"},
}

# Reviews are read through their task: whoever sees a task sees its reviews, and no one else.
VISIBLE = {
    "client_staff": CLIENT_A_SIDE,
    "client_sme": CLIENT_A_SIDE,
    "client_admin": CLIENT_A_SIDE,
    "other_client_staff": {
        "engagements": {"bp"},
        "tasks": {"task_bp"},
        "comments": {"bp", "on:task_bp"},
        "clients": {"client_b"},
    },
    "provider_manager": {
        "engagements": {"ap", "bp"},
        "tasks": {"task_ap_ready", "task_ap_other", "task_bp"},  # never a client's draft
        "comments": {"ap", "bp", "on:task_ap_ready", "on:task_ap_other", "on:task_bp"},
        "clients": {"client_a", "client_b"},
    },
    "provider_analyst": {
        "engagements": {"ap"},  # only engagements with a task assigned to them
        "tasks": {"task_ap_ready"},  # only the task assigned to them
        "comments": {"ap", "on:task_ap_ready"},
        "clients": {"client_a"},
    },
    "other_provider_manager": {
        "engagements": {"aq"},
        "tasks": {"task_aq"},
        "comments": {"aq", "on:task_aq"},
        "clients": {"client_a"},
    },
    "consultant_executive": ATTACHED_CONSULTANT,
    "consultant_analyst": ATTACHED_CONSULTANT,
    "consultant_broker": NOTHING,  # not attached to anything
    "consultant_recruiter": NOTHING,
    "operator": EVERYTHING,
    "anonymous": NOTHING,
    "deactivated_client_staff": NOTHING,
    "deactivated_operator": NOTHING,
}


def persona_user(request, persona: str):
    if persona == "anonymous":
        return AnonymousUser()
    if persona.startswith("deactivated_"):
        user = request.getfixturevalue(persona.removeprefix("deactivated_"))
        user.is_active = False
        user.save(update_fields=["is_active"])
        return User.objects.get(pk=user.pk)
    return request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_each_persona_reads_only_what_their_engagements_allow(request, conversation, persona):
    world = conversation
    user = persona_user(request, persona)
    expected = VISIBLE[persona]
    engagement_key = {
        world.engagement_ap.pk: "ap",
        world.engagement_bp.pk: "bp",
        world.engagement_aq.pk: "aq",
    }
    task_key = {getattr(world, name).pk: name for name in TASKS}
    client_key = {world.client_a.pk: "client_a", world.client_b.pk: "client_b"}

    seen = {
        "engagements": {
            engagement_key[pk] for pk in engagements_visible_to(user).values_list("pk", flat=True)
        },
        "tasks": {task_key[pk] for pk in tasks_visible_to(user).values_list("pk", flat=True)},
        "comments": set(comments_visible_to(user).values_list("body", flat=True)),
        "clients": {client_key[pk] for pk in clients_visible_to(user).values_list("pk", flat=True)},
    }
    assert seen == expected

    # Reviews and task history are reached through the task, never on their own.
    assert set(reviews_visible_to(user).values_list("findings", flat=True)) == expected["tasks"]
    assert {
        task_key[pk] for pk in task_events_visible_to(user).values_list("task_id", flat=True)
    } == expected["tasks"]
    # The list a page shows is the same rows, each once.
    assert sorted(task_list_for(user).values_list("pk", flat=True)) == sorted(
        pk for pk, name in task_key.items() if name in expected["tasks"]
    )


def test_a_deactivated_users_access_ends_at_once(world, client_staff):
    assert set(engagements_visible_to(client_staff)) == {world.engagement_ap, world.engagement_aq}
    client_staff.is_active = False
    client_staff.save(update_fields=["is_active"])
    assert not engagements_visible_to(client_staff).exists()
    assert not tasks_visible_to(client_staff).exists()
    assert engagement_roles(client_staff, world.engagement_ap) == frozenset()


def test_attaching_and_detaching_a_consultant_opens_and_closes_the_engagement(world, consultant_broker):
    assert not engagements_visible_to(consultant_broker).exists()
    engagement_attach_consultant(
        engagement=world.engagement_aq, user=consultant_broker, role=ConsultantRole.BROKER
    )
    assert list(engagements_visible_to(consultant_broker)) == [world.engagement_aq]
    assert set(tasks_visible_to(consultant_broker)) == {world.task_aq}

    engagement_detach_consultant(
        engagement=world.engagement_aq, user=consultant_broker, role=ConsultantRole.BROKER
    )
    assert not engagements_visible_to(consultant_broker).exists()
    assert not tasks_visible_to(consultant_broker).exists()


@pytest.mark.parametrize(
    ("persona", "on_ap", "on_bp"),
    [
        ("client_staff", {Role.CLIENT_STAFF}, set()),
        ("client_sme", {Role.CLIENT_SME}, set()),
        ("client_admin", {Role.CLIENT_ADMIN}, set()),
        ("other_client_staff", set(), {Role.CLIENT_STAFF}),
        ("provider_manager", {Role.PROVIDER_MANAGER}, {Role.PROVIDER_MANAGER}),
        ("provider_analyst", {Role.PROVIDER_ANALYST}, {Role.PROVIDER_ANALYST}),
        ("other_provider_manager", set(), set()),
        ("consultant_executive", {Role.CONSULTANT_EXECUTIVE}, set()),
        ("consultant_analyst", {Role.CONSULTANT_ANALYST}, set()),
        ("consultant_broker", set(), set()),
        ("consultant_recruiter", set(), set()),
        ("operator", set(), set()),  # operators act through is_staff, not through an engagement role
        ("anonymous", set(), set()),
    ],
)
def test_engagement_roles_are_the_roles_held_on_that_engagement(request, world, persona, on_ap, on_bp):
    user = persona_user(request, persona)
    assert engagement_roles(user, world.engagement_ap) == on_ap
    assert engagement_roles(user, world.engagement_bp) == on_bp


def test_an_attached_consultant_holds_each_capacity_they_were_attached_in(world, consultancy):
    user = make_member(consultancy, Role.CONSULTANT_EXECUTIVE, email="both@meridian.example")
    membership_grant(user=user, organisation=consultancy, role=Role.CONSULTANT_ANALYST)
    user = User.objects.get(pk=user.pk)  # roles are cached per user object
    for role in (ConsultantRole.EXECUTIVE, ConsultantRole.ANALYST):
        engagement_attach_consultant(engagement=world.engagement_bp, user=user, role=role)
    assert engagement_roles(user, world.engagement_bp) == {Role.CONSULTANT_EXECUTIVE, Role.CONSULTANT_ANALYST}
    assert engagement_roles(user, world.engagement_ap) == frozenset()


# --- query counts --------------------------------------------------------------------------------


def grow(world, consultant_executive, count: int) -> None:
    """More engagements for client A with provider P (the executive attached), each with two tasks."""
    for _ in range(count):
        engagement = make_engagement(
            client=world.client_a, provider=world.provider_p, service_line=world.service_line
        )
        engagement_attach_consultant(
            engagement=engagement, user=consultant_executive, role=ConsultantRole.EXECUTIVE
        )
        make_task(engagement=engagement, assignee=world.analyst_member, status=TaskStatus.READY)
        make_task(engagement=engagement, status=TaskStatus.READY)


@pytest.mark.parametrize(
    "persona", ["client_staff", "provider_manager", "provider_analyst", "consultant_executive", "operator"]
)
def test_reading_visible_tasks_is_one_query_however_many_engagements(
    request, world, consultant_executive, django_assert_num_queries, persona
):
    user_id = request.getfixturevalue(persona).pk

    def rows():
        user = User.objects.get(pk=user_id)  # a fresh request's user: roles not cached yet
        visible, listed = tasks_visible_to(user), task_list_for(user)
        with django_assert_num_queries(1):
            ids = [task.pk for task in visible]
        with django_assert_num_queries(1):  # the page's list prints the engagement and the assignee too
            listing = [
                (task.pk, task.engagement.title, task.assignee and task.assignee.full_name) for task in listed
            ]
        assert sorted(ids) == sorted(pk for pk, _, _ in listing)
        return ids

    few = rows()
    grow(world, consultant_executive, 6)
    many = rows()
    assert len(many) > len(few)  # more rows, the same single query


def test_reading_visible_engagements_is_one_query(world, client_staff, django_assert_num_queries):
    engagements = engagements_visible_to(User.objects.get(pk=client_staff.pk))
    with django_assert_num_queries(1):
        assert len(list(engagements)) == 2
