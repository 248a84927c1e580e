"""The layout every page shares: landmarks, navigation per role, language switch, user menu."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_landmarks_skip_link_and_assets(client, client_staff):
    body = _home(client, client_staff)
    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body and "<header" in body and "<footer" in body
    assert '<nav class="main-nav" aria-label="Main">' in body
    assert "js/vendor/htmx-2.0.10.min.js" in body and "js/kpo.js" in body
    assert "<script>" not in body  # no inline script: the CSP forbids it
    assert f'href="{reverse("home")}" aria-current="page"' in body


def test_language_switch_and_user_menu(client, client_staff):
    body = _home(client, client_staff)
    assert f'action="{reverse("set_language")}"' in body
    assert 'name="language" value="en"' in body and 'name="language" value="fr"' in body
    assert reverse("profile") in body and f'action="{reverse("logout")}"' in body


def test_switching_language_renders_the_page_in_french(client, client_staff):
    client.force_login(client_staff)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("provider_manager", ["engagements:board", "providers:candidate-list"], ["reports:list"]),
        ("provider_analyst", ["engagements:board"], ["reports:list", "providers:candidate-list"]),
        ("client_staff", ["engagements:board", "reports:list"], ["providers:candidate-list", "admin:index"]),
        (
            "consultant_recruiter",
            ["providers:candidate-list"],
            ["admin:index", "engagements:board", "reports:list"],
        ),
        ("operator", ["admin:index", "providers:candidate-list", "reports:list"], []),
    ],
)
def test_navigation_follows_the_role(world, client, personas, persona, present, absent):
    body = _home(client, personas[persona])
    nav = body[body.index('<nav class="main-nav"') : body.index("</nav>")]
    for name in present:
        assert f'href="{reverse(name)}"' in nav, name
    for name in absent:
        assert f'href="{reverse(name)}"' not in nav, name
    assert f'href="{reverse("engagements:list")}"' in nav
