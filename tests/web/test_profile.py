"""The profile page: time zone and language saved with a form, and the API token section."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from kpo.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_profile_shows_the_current_preferences(client, client_staff):
    client.force_login(client_staff)
    body = client.get(reverse("profile")).content.decode()
    assert 'value="UTC"' in body  # the factory's default zone
    assert "Time zone and language" in body
    assert "You have no API token yet." in body


def test_profile_saves_zone_and_language_and_the_next_page_uses_them(client, client_staff):
    client.force_login(client_staff)
    response = client.post(reverse("profile"), {"time_zone": "Asia/Kolkata", "language": "fr"})
    assert response.status_code == 302
    client_staff.refresh_from_db()
    assert (client_staff.time_zone, client_staff.language) == ("Asia/Kolkata", "fr")
    assert response.cookies["django_language"].value == "fr"
    assert AuditLog.objects.filter(action="user.preferences_changed", object_id=str(client_staff.pk)).exists()
    page = client.get(reverse("profile"))
    assert '<html lang="fr">' in page.content.decode()
    assert "Asia/Kolkata" in page.content.decode()


def test_an_unknown_zone_is_a_form_error_and_nothing_is_saved(client, client_staff):
    client.force_login(client_staff)
    response = client.post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons", "language": "fr"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not a known IANA time zone" in body
    assert 'aria-invalid="true"' in body
    client_staff.refresh_from_db()
    assert (client_staff.time_zone, client_staff.language) == ("UTC", "en")


def test_an_unknown_language_is_a_form_error(client, client_staff):
    client.force_login(client_staff)
    response = client.post(reverse("profile"), {"time_zone": "Europe/Paris", "language": "xx"})
    assert response.status_code == 400
    client_staff.refresh_from_db()
    assert client_staff.time_zone == "UTC"


def test_profile_needs_a_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_token_is_created_shown_once_then_rotated(client, client_staff):
    client.force_login(client_staff)
    response = client.post(reverse("profile-token"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    first = Token.objects.get(user=client_staff)
    assert first.key in response.content.decode()
    # Shown once: the next visit says a token exists but never prints the key.
    page = client.get(reverse("profile")).content.decode()
    assert "A token exists." in page and first.key not in page
    rotated = client.post(reverse("profile-token"), HTTP_HX_REQUEST="true")
    second = Token.objects.get(user=client_staff)
    assert second.key != first.key
    assert second.key in rotated.content.decode()
    assert "<html" not in rotated.content.decode()  # htmx gets the section only


def test_token_rotation_is_post_only(client, client_staff):
    client.force_login(client_staff)
    assert client.get(reverse("profile-token")).status_code == 405
    assert not Token.objects.filter(user=client_staff).exists()
