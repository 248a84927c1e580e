"""Cross-tenant isolation (ASVS V8.2.2, V8.4.1): another tenant's id is a 404 on every page and endpoint.

For every route of the URL resolver that takes an id (tests/isolation/routes.py), the registry
(tests/isolation/registry.py) builds an object of one tenant in a shared world (tests/isolation/world.py)
and names who must not see it. Then:

- test_outsider_gets_404: each outsider, with each method the route serves, gets a 404 (not a 403, a 400,
  a 200, never a 500), and a write changes no row anywhere in the database;
- test_owner_is_not_refused: someone who may see the object does not get a 404 (so the registry builds
  real objects and the 404s above mean something);
- test_every_id_route_is_covered: a route with a URL parameter that is neither in the registry nor in
  EXEMPT (with a reason) fails, naming the route.

The world is built once for the module inside a transaction rolled back at the end; each test runs in a
savepoint of it (pytest-django's `db`), so whatever a request writes is undone before the next test.
"""

import functools
import json

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test.utils import override_settings
from django.urls import URLPattern, path, reverse

from tests.isolation.registry import EXEMPT, KNOWN_LEAKS, REGISTRY
from tests.isolation.routes import Route, walk
from tests.isolation.routes import id_routes as _id_routes
from tests.isolation.world import build_world

id_routes = functools.cache(_id_routes)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MISSING_ID = 2_000_000_000  # an id no row of the world has


# --- the shared world ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iso_world(django_db_setup, django_db_blocker, tmp_path_factory, _fast_password_hasher, _private_cache):
    """The world, built once per module in a transaction that is rolled back when the module ends."""
    from kpo.celery import app

    media = tmp_path_factory.mktemp("isolation-media")
    eager = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        with (
            override_settings(MEDIA_ROOT=media, KPO_WEBHOOKS_ALLOW_PRIVATE=True),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            world = build_world()
            yield world
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager


# --- requests and the database fingerprint ---------------------------------------------------------


def send(client, route: str, method: str, url: str, body: dict | None, headers: dict | None):
    """One request: pages get form posts, the API JSON."""
    headers = headers or {}
    if method == "GET":
        return client.get(url, headers=headers)
    if route.startswith("api:"):
        payload = json.dumps(body) if body is not None else ""
        return client.generic(method, url, payload, content_type="application/json", headers=headers)
    return client.generic(
        method,
        url,
        _urlencode(body or {}),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def _urlencode(body: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(body)


def fingerprint() -> dict[str, list]:
    """Every row of every table, sessions and last-login times aside (signing in writes those): a request
    that changes nothing leaves it equal."""
    rows = {}
    for model in apps.get_models():
        if model is Session or model._meta.proxy or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return rows


@pytest.fixture(scope="module")
def world_fingerprint(iso_world):
    """The world's rows as every test starts from them (each test's writes are rolled back)."""
    return fingerprint()


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]


def describe(response) -> str:
    body = response.content[:300].decode("utf-8", "replace") if not response.streaming else "<stream>"
    return f"{response.status_code} {body!r}"


# --- parametrisation ---------------------------------------------------------------------------------


def _slug(case) -> str:
    return case.label.split(" (")[0].replace(" ", "_")


def _outsider_params():
    params = []
    for route, entry in sorted(REGISTRY.items()):
        for case in entry.cases:
            for persona in case.outsiders:
                for method in case.methods:
                    test_id = f"{route}|{_slug(case)}|{persona}|{method}"
                    marks = ()
                    if test_id in KNOWN_LEAKS:
                        marks = (pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[test_id]),)
                    params.append(pytest.param(route, case, persona, method, id=test_id, marks=marks))
    return params


def _owner_params():
    return [
        pytest.param(route, case, id=f"{route}|{_slug(case)}|{case.owner}")
        for route, entry in sorted(REGISTRY.items())
        for case in entry.cases
        if case.owner is not None
    ]


# --- the swap test -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "case", "persona", "method"), _outsider_params())
def test_outsider_gets_404(iso_world, world_fingerprint, db, client, route, case, persona, method):
    url = reverse(route, kwargs=case.kwargs(iso_world))
    client.force_login(iso_world.personas[persona])
    body = case.body(iso_world) if case.body and method in WRITE_METHODS else None
    headers = case.headers(iso_world) if case.headers else None

    response = send(client, route, method, url, body, headers)

    assert response.status_code == 404, (
        f"{method} {url} as {persona} ({case.label}) answered {describe(response)}; another tenant's "
        "object must be a 404"
    )
    if method in WRITE_METHODS:
        changed = changed_tables(world_fingerprint, fingerprint())
        assert not changed, f"{method} {url} as {persona} answered 404 but changed {changed}"
    # The 404 tells nothing about the object: it reads like the answer for an id that exists nowhere
    # (the innermost id replaced; the outer ones may be the outsider's own, e.g. a report they read).
    innermost = id_routes()[route].params[-1]
    missing_url = reverse(route, kwargs={**case.kwargs(iso_world), innermost: MISSING_ID})
    missing = send(client, route, method, missing_url, body, headers)
    assert (missing.status_code, missing.content) == (response.status_code, response.content), (
        f"{method} {url} as {persona} answered {describe(response)}, but for ids that exist nowhere "
        f"{describe(missing)}: the difference reveals that the object exists"
    )


@pytest.mark.parametrize(("route", "case"), _owner_params())
def test_owner_is_not_refused(iso_world, db, client, route, case):
    """The positive control: the object exists and its owner reaches it (a 404 here would make every
    outsider's 404 meaningless)."""
    kwargs = case.kwargs(iso_world)
    assert set(kwargs) == set(id_routes()[route].params), f"{route}: kwargs {sorted(kwargs)}"
    url = reverse(route, kwargs=kwargs)
    method = "GET" if "GET" in case.methods else case.methods[0]
    client.force_login(iso_world.personas[case.owner])
    body = case.body(iso_world) if case.body and method in WRITE_METHODS else None
    headers = case.headers(iso_world) if case.headers else None

    response = send(client, route, method, url, body, headers)

    assert response.status_code != 404 and response.status_code < 500, (
        f"{method} {url} as {case.owner} ({case.label}) answered {describe(response)}"
    )


# --- the meta-tests ----------------------------------------------------------------------------------


def uncovered(routes: dict[str, Route]) -> list[str]:
    """Messages naming every id-taking route with no registry entry and no exemption."""
    return [
        f"{name} ({route.pattern}, params {', '.join(route.params)}): add it to REGISTRY in "
        "tests/isolation/registry.py (or to EXEMPT with the reason its parameter is not an object id)"
        for name, route in sorted(routes.items())
        if name not in REGISTRY and name not in EXEMPT
    ]


def test_every_id_route_is_covered():
    missing = uncovered(id_routes())
    assert not missing, "Routes taking an id without an isolation test:\n" + "\n".join(missing)


def test_registry_names_only_existing_routes():
    routes = id_routes()
    stale = sorted((set(REGISTRY) | set(EXEMPT)) - set(routes))
    assert not stale, f"Registry/exempt entries for routes that no longer exist (or take no id): {stale}"
    assert not set(REGISTRY) & set(EXEMPT), "A route is both registered and exempt"


def test_every_api_method_is_swapped():
    """A viewset route's every method is tried by an outsider (a PUT added later must be covered too)."""
    gaps = []
    for name, route in id_routes().items():
        if route.methods is None or name not in REGISTRY:
            continue
        tried = {m for case in REGISTRY[name].cases for m in case.methods}
        if route.methods - tried:
            gaps.append(f"{name}: {sorted(route.methods - tried)}")
    assert not gaps, "API methods no outsider tries:\n" + "\n".join(gaps)


def test_every_case_has_outsiders_and_known_personas():
    known = {
        "client_staff",
        "client_sme",
        "client_admin",
        "other_client_staff",
        "provider_manager",
        "provider_analyst",
        "other_provider_manager",
        "consultant_executive",
        "consultant_analyst",
        "consultant_broker",
        "consultant_recruiter",
        "operator",
        "other_analyst",
        "other_recruiter",
        "other_client_admin",
    }
    for name, entry in REGISTRY.items():
        assert entry.cases, name
        for case in entry.cases:
            assert case.outsiders, f"{name} ({case.label}) names no outsider"
            assert set(case.outsiders) <= known and (case.owner is None or case.owner in known), name
            assert case.owner not in case.outsiders, name
    assert any(case.owner for entry in REGISTRY.values() for case in entry.cases)


def test_known_leaks_name_real_tests_and_ids_are_unique():
    ids = [p.id for p in _outsider_params()]
    assert len(ids) == len(set(ids)), "two cases of a route share a label"
    assert set(KNOWN_LEAKS) <= set(ids), sorted(set(KNOWN_LEAKS) - set(ids))


def test_the_walk_finds_a_new_route_and_the_meta_test_names_it():
    """A route added later (a path converter, and a DRF-style regex) without an entry is reported."""
    from django.urls import re_path

    def view(request, **kwargs):  # pragma: no cover - never called
        raise AssertionError

    extra = [
        path("widgets/<int:widget_id>/", view, name="widget-detail"),
        re_path(r"^gadgets/(?P<pk>[^/.]+)/$", view, name="gadget-detail"),
        path("widgets/", view, name="widget-list"),
    ]
    found = {r.name: r for r in walk(extra) if r.params}
    assert set(found) == {"widget-detail", "gadget-detail"}
    messages = uncovered(found)
    assert len(messages) == 2
    assert messages[0].startswith("gadget-detail (^gadgets/(?P<pk>[^/.]+)/$, params pk)")
    assert messages[1].startswith("widget-detail (widgets/<int:widget_id>/, params widget_id)")
    assert all(isinstance(p, URLPattern) for p in extra)


def test_the_fingerprint_sees_a_write(iso_world, world_fingerprint, db, client):
    """The "changed nothing" check can fail: the owner's own write shows up in it."""
    task = iso_world.task_ap_ready
    task.refresh_from_db(fields=["version"])
    client.force_login(iso_world.personas["client_staff"])
    response = client.post(
        reverse("engagements:task-priority", kwargs={"pk": task.pk}),
        {"priority": "P1", "version": task.version, "note": "escalated"},
    )
    assert response.status_code == 302
    assert "engagements.Task" in changed_tables(world_fingerprint, fingerprint())
