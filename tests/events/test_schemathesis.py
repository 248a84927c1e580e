"""Property-based contract test of the webhook and notification API: Schemathesis drives each operation as
a manager and as a member without the role, on the seeded world. No 5xx; every response conforms."""

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
from kpo.events.models import Notification

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KPO_SCHEMATHESIS_EXAMPLES", "12"))
OWNED_PREFIXES = ("/api/v1/webhook-subscriptions/", "/api/v1/webhook-deliveries/", "/api/v1/notifications/")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("persona", ["provider_manager", "client_staff"])
def test_the_webhook_api_conforms_to_its_schema(world, personas, client, subscribe, unthrottled, persona):
    user = personas[persona]
    subscribe(personas["provider_manager"], "https://hooks.prism.example/kpo")
    Notification.objects.create(recipient=user, verb="task.status_changed", title="Hello")
    key = token_rotate(user=user).key
    raw = client.get("/api/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    failures: list[str] = []
    operations = 0
    with keep_the_test_connection():
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith(OWNED_PREFIXES):
                continue
            operations += 1
            failures += _exercise(operation, key)
    assert operations == 14
    assert not failures, "\n\n".join(failures)


def _exercise(operation, key: str) -> list[str]:
    """Hypothesis-generated cases of one operation; the failures as readable lines."""

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
        exercise()
    except Exception as error:  # collect every operation's failure, then report them all
        return [f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}"]
    return []


@contextmanager
def keep_the_test_connection():
    """The WSGI app's request signals would close the test's connection (inside the test transaction).

    Entered after any use of Django's test client, which reconnects the signal after each request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings):
    rates = dict.fromkeys(settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    return settings
