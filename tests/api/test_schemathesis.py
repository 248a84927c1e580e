"""Property-based contract test: Schemathesis drives every operation of the live schema as a persona on
the seeded world, with a bounded number of examples each. No 5xx; every response conforms to the schema."""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kpo.accounts.services import token_rotate

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KPO_SCHEMATHESIS_EXAMPLES", "12"))
# This module's resources; reports and notifications/webhooks are covered by their owners' tests.
OWNED_PREFIXES = (
    "/api/v1/me/",
    "/api/v1/clients/",
    "/api/v1/engagements/",
    "/api/v1/tasks/",
    "/api/v1/task-events/",
    "/api/v1/deliverables/",
    "/api/v1/comments/",
    "/api/v1/reviews/",
    "/api/v1/time-entries/",
    "/api/v1/service-lines/",
    "/api/v1/providers/",
    "/api/v1/team-members/",
    "/api/v1/consultants/",
    "/api/v1/calendars/",
    "/api/v1/slas/",
    "/api/v1/task-clocks/",
    "/api/v1/kpi-snapshots/",
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("persona", ["provider_manager", "client_sme"])
def test_api_conforms_to_its_schema(world, personas, client, settings_override, persona):
    key = token_rotate(user=personas[persona]).key
    raw = client.get("/api/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(OWNED_PREFIXES) or operation.path.endswith("/token/"):
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)

        try:
            with keep_the_test_connection():
                exercise()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)


@contextmanager
def keep_the_test_connection():
    """The WSGI app fires request_started/finished, whose close_old_connections would close the test's
    connection (it is inside the test transaction); Django's own test client unhooks it the same way
    (and hooks it back after each of its requests, so this wraps only the Schemathesis calls)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def settings_override(settings):
    rates = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": None,
        "token": None,
        "uploads": None,
    }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    return settings
