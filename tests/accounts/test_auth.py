"""Signing in by email, the demo password's limits, and who a user is (roles, cached per request)."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import (
    is_client_user,
    is_consultant,
    is_operator,
    is_provider_user,
    user_organisation,
    user_roles,
)
from kpo.accounts.services import membership_grant

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["alice@northwind.example", "Alice@Northwind.Example", "ALICE@NORTHWIND.EXAMPLE"]
)
def test_login_by_email_ignores_case(typed):
    alice = User.objects.create_user("Alice@Northwind.EXAMPLE", password=PASSWORD)
    assert alice.email == "alice@northwind.example"  # stored in lower case
    assert authenticate(username=typed, password=PASSWORD) == alice


def test_login_with_a_wrong_password_or_unknown_email_fails():
    UserFactory(email="alice@northwind.example")
    assert authenticate(username="alice@northwind.example", password="not-the-password") is None
    assert authenticate(username="nobody@northwind.example", password=PASSWORD) is None
    assert authenticate(username="alice@northwind.example", password=None) is None


def test_a_deactivated_user_cannot_log_in():
    UserFactory(email="gone@northwind.example", is_active=False)
    assert authenticate(username="gone@northwind.example", password=PASSWORD) is None


def test_two_accounts_differing_only_by_case_are_refused():
    UserFactory(email="alice@northwind.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ALICE@northwind.example")


def test_the_demo_password_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    demo = UserFactory(email="demo@northwind.example", password=settings.KPO_DEMO_PASSWORD)
    assert authenticate(username=demo.email, password=settings.KPO_DEMO_PASSWORD) is None


def test_the_demo_password_works_when_debug_is_on(settings):
    settings.DEBUG = True
    demo = UserFactory(email="demo@northwind.example", password=settings.KPO_DEMO_PASSWORD)
    assert authenticate(username=demo.email, password=settings.KPO_DEMO_PASSWORD) == demo


def test_a_real_password_works_whether_debug_is_on_or_off(settings):
    user = UserFactory(email="real@northwind.example")
    for debug in (False, True):
        settings.DEBUG = debug
        assert authenticate(username=user.email, password=PASSWORD) == user


def test_user_roles_are_read_once_and_cached(client_a, client_staff, django_assert_num_queries):
    membership_grant(user=client_staff, organisation=client_a.organisation, role=Role.CLIENT_SME)
    user = User.objects.get(pk=client_staff.pk)
    with django_assert_num_queries(1):
        assert user_roles(user) == {Role.CLIENT_STAFF, Role.CLIENT_SME}
    with django_assert_num_queries(0):
        assert user_roles(user) == {Role.CLIENT_STAFF, Role.CLIENT_SME}
        assert user_organisation(user) == client_a.organisation
        assert is_client_user(user) and not is_provider_user(user) and not is_consultant(user)


def test_anonymous_and_organisationless_users_have_no_roles(operator, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert user_roles(AnonymousUser()) == frozenset()
        assert not is_operator(AnonymousUser())
    assert user_roles(operator) == frozenset()
    assert user_organisation(operator) is None
    assert is_operator(operator)


@pytest.mark.parametrize(
    ("persona", "client_side", "provider_side", "consultant"),
    [
        ("client_admin", True, False, False),
        ("provider_analyst", False, True, False),
        ("consultant_recruiter", False, False, True),
    ],
)
def test_what_kind_of_user_each_persona_is(request, persona, client_side, provider_side, consultant):
    user = request.getfixturevalue(persona)
    assert (is_client_user(user), is_provider_user(user), is_consultant(user), is_operator(user)) == (
        client_side,
        provider_side,
        consultant,
        False,
    )


def _notify(user, n: int, *, read: bool = False):
    from django.utils import timezone

    from kpo.events.choices import EventType
    from kpo.events.models import Notification

    return [
        Notification.objects.create(
            recipient=user,
            verb=EventType.SLA_AT_RISK,
            title=f"At risk {i}",
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    ]


def test_a_sessions_user_is_read_with_roles_organisation_and_unread_count_in_one_query(
    client_a, client_staff, django_assert_num_queries
):
    """What every page asks of the signed-in user comes with them: one statement, not four."""
    from kpo.accounts.backends import EmailBackend
    from kpo.events.selectors import unread_count

    membership_grant(user=client_staff, organisation=client_a.organisation, role=Role.CLIENT_SME)
    _notify(client_staff, 3)
    _notify(client_staff, 2, read=True)
    with django_assert_num_queries(1):
        user = EmailBackend().get_user(client_staff.pk)
    with django_assert_num_queries(0):
        assert user == client_staff and user.email == client_staff.email
        assert user_roles(user) == {Role.CLIENT_STAFF, Role.CLIENT_SME}
        assert user_organisation(user) == client_a.organisation
        assert user_organisation(user).name == client_a.organisation.name
        assert unread_count(user) == 3


def test_a_session_of_a_deactivated_or_unknown_user_signs_nobody_in(client_staff, operator):
    from kpo.accounts.backends import EmailBackend

    backend = EmailBackend()
    assert backend.get_user(operator.pk) == operator
    assert user_organisation(backend.get_user(operator.pk)) is None
    assert user_roles(backend.get_user(operator.pk)) == frozenset()
    User.objects.filter(pk=client_staff.pk).update(is_active=False)
    assert backend.get_user(client_staff.pk) is None
    assert backend.get_user(10**9) is None
    assert backend.get_user("not-an-id") is None


def test_the_header_count_follows_notifications_marked_read(client_staff, login):
    """The count read with the user is dropped once the request marks notifications read."""
    from kpo.events.selectors import unread_count
    from kpo.events.services import notification_mark_read

    notes = _notify(client_staff, 3)
    response = login(client_staff).get("/")
    assert response.wsgi_request.user.kpo_unread_count == 3
    user = response.wsgi_request.user
    notification_mark_read(user=user, notification_ids=[notes[0].pk])
    assert unread_count(user) == 2
    page = login(client_staff).get("/notifications/")
    assert b'class="count-badge" aria-hidden="true">2<' in page.content
