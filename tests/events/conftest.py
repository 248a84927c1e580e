"""Fixtures for the webhook tests: a real HTTP receiver on loopback, and subscriptions per organisation.

The receiver is `http.server` in a thread on a free port. It answers each request with the next status of
its script (then 200), records every request (headers and raw body), and can be started late on a port
reserved in advance, to play a receiver that was down.
"""

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kpo.accounts.choices import Role
from kpo.events.models import DomainEvent
from kpo.events.services import event_dispatch, webhook_subscription_create

from ..factories import make_member


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    port: int
    script: list[int] = field(default_factory=list)
    received: list[ReceivedRequest] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
                code = receiver.script.pop(0) if receiver.script else 200
                payload = b"ok" if code < 300 else b"receiver says no"
                self.send_response(code)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output clean
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receiver():
    running = Receiver(port=0).start()
    yield running
    running.stop()


@pytest.fixture
def down_receiver():
    """A receiver not yet listening on its port (connection refused) until the test calls `.start()`."""
    waiting = Receiver(port=free_port())
    yield waiting
    waiting.stop()


@pytest.fixture
def other_client_admin(client_b):
    return make_member(
        client_b.organisation, Role.CLIENT_ADMIN, email="admin@contoso.example", full_name="Bea Admin"
    )


@pytest.fixture
def subscribe():
    """`subscribe(manager, url, event_types=None)`: a subscription made through the service."""

    def _subscribe(actor, url, event_types=None, **fields):
        return webhook_subscription_create(actor=actor, url=url, event_types=event_types, **fields)

    return _subscribe


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    """`dispatch(event)`: fan the event out and run the enqueued deliveries (eager Celery), as after commit."""

    def _dispatch(event: DomainEvent) -> bool:
        with django_capture_on_commit_callbacks(execute=True):
            return event_dispatch(event_id=event.pk)

    return _dispatch


def release_event(task) -> DomainEvent:
    """The task.status_changed event of the task's release (draft -> ready)."""
    return DomainEvent.objects.filter(
        event_type="task.status_changed", payload__task_id=task.pk, payload__to_status="ready"
    ).get()
