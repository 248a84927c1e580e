"""Idle expiry slides with use, but the session is written at most once per refresh interval."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpo.accounts.middleware import SESSION_REFRESHED_KEY

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(1 for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session"'))


def _stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_request_pushes_the_expiry_back_once_per_interval(client, settings):
    settings.KPO_SESSION_REFRESH_SECONDS = 300
    client.force_login(UserFactory())
    url = reverse("profile")
    # Logging in saved the session with a full expiry: the requests that follow within the interval
    # write nothing, and the expiry stays where it was.
    pushed = _stored(client).expire_date
    assert pushed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert _session_writes(client, url) == 0
    assert _session_writes(client, url) == 0
    assert _stored(client).expire_date == pushed


def test_once_the_interval_has_passed_the_next_request_pushes_it_again(client, settings):
    settings.KPO_SESSION_REFRESH_SECONDS = 300
    client.force_login(UserFactory())
    url = reverse("profile")
    client.get(url)
    # Six minutes of idling, simulated: the session was last pushed back six minutes ago.
    session = client.session
    session[SESSION_REFRESHED_KEY] -= 360
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 360)
    )
    before = _stored(client).expire_date
    assert _session_writes(client, url) == 1
    assert _stored(client).expire_date >= before + timedelta(seconds=350)


def test_an_idle_session_still_expires(client):
    client.force_login(UserFactory())
    url = reverse("profile")
    assert client.get(url).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_requests_create_no_session(client):
    assert client.get(reverse("login")).status_code == 200
    assert Session.objects.count() == 0
