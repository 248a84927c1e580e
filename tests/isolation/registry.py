"""How to reach one object of another tenant on every id-taking route, and who must get a 404 there.

REGISTRY maps a route name to its cases. A case names an object of tests/isolation/world.py (its URL
kwargs are built from the world), the persona that may see it (the positive control: not a 404), the
outsiders who must get a 404, the methods to try (every method the route serves that reaches an object)
and, for writes, a body that would change something if the view forgot to scope its lookup.

EXEMPT maps a route name to the reason its parameter is not another tenant's object id.
KNOWN_LEAKS maps a test id to the reason it fails today (each becomes xfail(strict=True)).

A new route with a URL parameter and no entry here fails tests/test_isolation.py::test_every_id_route_is_covered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from engagements.choices import ReviewOutcome, TaskStatus
from sla.choices import Priority

World = SimpleNamespace
Build = Callable[[World], dict]

# Another client, another provider, a consultant attached to another engagement, and a consultant of the
# same consultancy attached to none (the directory is theirs, the engagements are not).
TENANT_OUTSIDERS = ("other_client_staff", "other_provider_manager", "other_analyst", "consultant_broker")
# The objects below a task that only its provider's delivery side and its client see; task_done is
# assigned to another team member, so the provider analyst is an outsider too.
TASK_CHILD_OUTSIDERS = (*TENANT_OUTSIDERS, "provider_analyst")


@dataclass(frozen=True)
class Case:
    label: str  # which object of the world
    kwargs: Build  # world -> the route's URL kwargs
    owner: str | None  # a persona who may see the object (None: a mixed-id case nobody may see)
    outsiders: tuple[str, ...]
    methods: tuple[str, ...] = ("GET",)
    body: Build | None = None  # world -> the request body of a write
    headers: Build | None = None  # world -> extra request headers (e.g. If-Match)


@dataclass(frozen=True)
class Entry:
    cases: tuple[Case, ...]
    note: str = ""


def _task(attr: str) -> Build:
    return lambda w: {"pk": getattr(w, attr).pk}


def _fresh_version(attr: str) -> Callable[[World], int]:
    def version(w):
        task = getattr(w, attr)
        task.refresh_from_db(fields=["version"])
        return task.version

    return version


def _task_cases(
    *, methods=("GET",), body: Callable[[World, str], dict] | None = None, owner="client_staff", headers=None
) -> tuple[Case, ...]:
    """The three ways a task hides: another tenant's task, a client's draft, a colleague's assignment."""

    def with_task(fn, attr):
        return None if fn is None else (lambda w: fn(w, attr))

    return (
        Case(
            "task_ap_ready",
            _task("task_ap_ready"),
            owner,
            TENANT_OUTSIDERS,
            methods,
            with_task(body, "task_ap_ready"),
            with_task(headers, "task_ap_ready"),
        ),
        Case(
            "task_ap_draft (client's draft: hidden from the provider)",
            _task("task_ap_draft"),
            "client_staff",
            ("provider_manager", "provider_analyst"),
            methods,
            with_task(body, "task_ap_draft"),
            with_task(headers, "task_ap_draft"),
        ),
        Case(
            "task_ap_other (assigned to a colleague: hidden from the analyst)",
            _task("task_ap_other"),
            "provider_manager",
            ("provider_analyst",),
            methods,
            with_task(body, "task_ap_other"),
            with_task(headers, "task_ap_other"),
        ),
    )


def _if_match(w, attr):
    task = getattr(w, attr)
    task.refresh_from_db(fields=["version"])
    return {"If-Match": f'"{task.pk}-{task.version}"'}


def _version(w, attr):
    return _fresh_version(attr)(w)


def _engagement(attr="engagement_ap") -> Build:
    return lambda w: {"pk": getattr(w, attr).pk}


def _engagement_cases(
    *, methods=("GET",), body: Build | None = None, owner="client_staff"
) -> tuple[Case, ...]:
    """Engagement A+P (outsiders: other tenants, an unattached consultant), and B+P, which client A, A+P's
    executive and the provider analyst (no task of theirs on it) may not see."""
    return (
        Case("engagement_ap", _engagement(), owner, TENANT_OUTSIDERS, methods, body),
        Case(
            "engagement_bp (client B + P, no task of the analyst)",
            _engagement("engagement_bp"),
            "other_client_staff" if owner in ("client_staff", "client_admin") else "other_analyst",
            ("client_staff", "consultant_executive", "provider_analyst"),
            methods,
            body,
        ),
    )


def _pk(attr: str) -> Build:
    return lambda w: {"pk": getattr(w, attr).pk}


# --- reports ---------------------------------------------------------------------------------------

REPORT_PUB_OUTSIDERS = ("other_client_staff", "provider_manager", "other_analyst")


def _report_cases(*, methods=("GET",), body: Build | None = None) -> tuple[Case, ...]:
    """A published report (readers: its engagement's client and consultants; never the provider) and a
    draft one (its consultants only: the client may not see it either)."""
    return (
        Case(
            "report_pub",
            _pk("report_pub"),
            "consultant_analyst",
            REPORT_PUB_OUTSIDERS,
            methods,
            body,
        ),
        Case(
            "report_draft (unpublished: hidden from the client)",
            _pk("report_draft"),
            "consultant_analyst",
            ("client_staff", "provider_manager", "other_analyst"),
            methods,
            body,
        ),
    )


def _report_child_cases(child: str, param: str, *, methods, body=None) -> tuple[Case, ...]:
    """A finding/recommendation: under its own report (outsiders of the report), and under a report the
    outsider edits while the child belongs to another engagement's report (a mixed-id swap)."""
    return (
        Case(
            f"report_pub/{child}",
            lambda w: {"pk": w.report_pub.pk, param: getattr(w, child).pk},
            "consultant_analyst",
            REPORT_PUB_OUTSIDERS,
            methods,
            body,
        ),
        Case(
            f"report_pub/{child}_other (mixed ids: own report, another engagement's {child})",
            lambda w: {"pk": w.report_pub.pk, param: getattr(w, f"{child}_other").pk},
            None,
            ("consultant_analyst",),
            methods,
            body,
        ),
    )


def _version_cases() -> tuple[Case, ...]:
    return (
        Case(
            "report_pub/v1 (published)",
            lambda w: {"pk": w.report_pub.pk, "number": w.version_ready.number},
            "client_staff",
            REPORT_PUB_OUTSIDERS,
        ),
        Case(
            "report_pub/v2 (queued: only its editors see it)",
            lambda w: {"pk": w.report_pub.pk, "number": w.version_queued.number},
            "consultant_analyst",
            ("client_staff", "provider_manager"),
        ),
        Case(
            "report_other/v1 (mixed ids: a number of another report)",
            lambda w: {"pk": w.report_other.pk, "number": w.version_ready.number},
            None,
            ("consultant_analyst", "client_staff"),
        ),
    )


def _version_pdf_cases() -> tuple[Case, ...]:
    # The PDF of a queued version does not exist for anyone; the published one is hidden from outsiders.
    return _version_cases()[:1] + _version_cases()[2:]


# --- webhooks and notifications --------------------------------------------------------------------

# Provider P's subscription: managers of other organisations (who may manage their own) must not see it.
WEBHOOK_OUTSIDERS = ("other_provider_manager", "client_admin", "other_client_admin")


def _subscription_cases(*, methods=("GET",), body: Build | None = None) -> tuple[Case, ...]:
    return (
        Case("subscription of P", _pk("subscription"), "provider_manager", WEBHOOK_OUTSIDERS, methods, body),
    )


def _delivery_cases(*, methods=("GET",), body: Build | None = None) -> tuple[Case, ...]:
    return (Case("delivery of P", _pk("delivery"), "provider_manager", WEBHOOK_OUTSIDERS, methods, body),)


def _notification_cases(*, methods=("GET",)) -> tuple[Case, ...]:
    # Someone else's notification: a colleague in the same client, and another tenant.
    return (
        Case(
            "client_staff's notification",
            _pk("notification"),
            "client_staff",
            ("client_sme", "other_client_staff"),
            methods,
        ),
    )


# --- providers and candidates ----------------------------------------------------------------------

# Provider Q's objects: client B (works with P only) and provider P's manager may not see them.
PROVIDER_Q_OUTSIDERS = ("other_client_staff", "provider_manager")
CANDIDATE_OUTSIDERS = ("other_provider_manager", "other_recruiter", "other_client_staff")


def _candidate_cases(*, methods=("GET",), body: Build | None = None) -> tuple[Case, ...]:
    return (
        Case("candidate for P", _pk("candidate"), "consultant_recruiter", CANDIDATE_OUTSIDERS, methods, body),
    )


# --- the task-child objects of the API ---------------------------------------------------------------


def _child_cases(attr: str, *, methods=("GET",)) -> tuple[Case, ...]:
    return (Case(f"{attr} of task_done", _pk(attr), "client_staff", TASK_CHILD_OUTSIDERS, methods),)


# --- request bodies that would change something were the lookup not scoped ----------------------------


def _move(w, attr):
    return {"to": TaskStatus.IN_PROGRESS, "version": _version(w, attr)}


def _priority(w, attr):
    return {"priority": Priority.P1, "version": _version(w, attr), "note": "swapped id"}


def _unassign(w, attr):
    return {"assignee": "", "version": _version(w, attr)}


def _review(w, attr):
    return {"accuracy_score": "10", "outcome": ReviewOutcome.REWORK, "version": _version(w, attr)}


def _link(w, attr):
    return {"url": "https://share.example.com/planted"}


def _api_move(w, attr):
    return {"to": TaskStatus.IN_PROGRESS}


def _api_priority(w, attr):
    return {"priority": Priority.P1}


def _api_unassign(w, attr):
    return {"assignee": None}


REGISTRY: dict[str, Entry] = {
    # --- engagement pages
    "engagements:detail": Entry(_engagement_cases()),
    "engagements:terms": Entry(_engagement_cases(methods=("GET", "POST"), owner="consultant_executive")),
    "engagements:task-create": Entry(
        _engagement_cases(
            methods=("GET", "POST"),
            body=lambda w: {"title": "Planted task", "specification": "x", "priority": Priority.P3},
        )
    ),
    "engagements:comment-create": Entry(
        _engagement_cases(methods=("POST",), body=lambda w: {"body": "Planted comment"})
        + (
            Case(
                "engagement_bp+task_ap_ready (mixed ids: a task of engagement_ap in the body)",
                _engagement("engagement_bp"),
                None,
                ("other_client_staff",),
                ("POST",),
                lambda w: {"body": "Planted comment", "task": str(w.task_ap_ready.pk)},
            ),
        )
    ),
    # --- task pages
    "engagements:task-detail": Entry(_task_cases()),
    "engagements:task-transition": Entry(
        _task_cases(methods=("POST",), body=_move, owner="provider_manager")
    ),
    "engagements:task-move": Entry(_task_cases(methods=("POST",), body=_move, owner="provider_manager")),
    "engagements:task-review": Entry(_task_cases(methods=("POST",), body=_review, owner="client_sme")),
    "engagements:task-assign": Entry(
        _task_cases(methods=("POST",), body=_unassign, owner="provider_manager")
    ),
    "engagements:task-priority": Entry(_task_cases(methods=("POST",), body=_priority, owner="client_staff")),
    "engagements:deliverable-upload": Entry(
        _task_cases(methods=("POST",), body=_link, owner="provider_manager")
    ),
    "engagements:deliverable-download": Entry(
        (
            Case(
                "deliverable of task_done",
                lambda w: {"pk": w.task_done.pk, "deliverable_pk": w.deliverable.pk},
                "client_staff",
                TASK_CHILD_OUTSIDERS,
            ),
            Case(
                "task_bp+deliverable (mixed ids: a deliverable of task_done under task_bp)",
                lambda w: {"pk": w.task_bp.pk, "deliverable_pk": w.deliverable.pk},
                None,
                ("other_client_staff",),
            ),
        )
    ),
    # --- SLA pages
    "sla:compliance": Entry(_engagement_cases()),
    "sla:clock-job": Entry(_engagement_cases()),
    "sla:kpis-csv": Entry(_engagement_cases()),
    "sla:clocks-csv": Entry(_engagement_cases()),
    "sla:clocks-recompute": Entry(_engagement_cases(methods=("POST",), owner="client_admin")),
    "sla:kpis-recompute": Entry(_engagement_cases(methods=("POST",), owner="client_admin")),
    # --- providers and candidates
    "providers:detail": Entry(
        (Case("provider Q", _pk("provider_q"), "other_provider_manager", PROVIDER_Q_OUTSIDERS),)
    ),
    "providers:candidate-detail": Entry(_candidate_cases()),
    "providers:candidate-edit": Entry(
        _candidate_cases(
            methods=("GET", "POST"), body=lambda w: {"full_name": "Renamed", "source": "referral"}
        )
    ),
    "providers:candidate-move": Entry(
        _candidate_cases(methods=("POST",), body=lambda w: {"stage": "screened"})
    ),
    "providers:candidate-hire": Entry(
        _candidate_cases(methods=("POST",), body=lambda w: {"role": "analyst"})
    ),
    "providers:candidate-resume": Entry(_candidate_cases()),
    # --- report pages
    "reports:detail": Entry(_report_cases()),
    "reports:status": Entry(_report_cases()),
    "reports:preview": Entry(_report_cases()),
    "reports:edit": Entry(
        _report_cases(
            methods=("GET", "POST"),
            body=lambda w: {
                "title": "Renamed",
                "period_start": "2025-01-01",
                "period_end": "2025-06-30",
                "executive_summary": "Planted.",
            },
        )
    ),
    "reports:branding": Entry(
        _report_cases(methods=("GET", "POST"), body=lambda w: {"accent_colour": "#ff0000"})
    ),
    "reports:finding-add": Entry(
        _report_cases(
            methods=("POST",), body=lambda w: {"finding-title": "Planted", "finding-evidence": "Planted."}
        )
    ),
    "reports:recommendation-add": Entry(
        _report_cases(
            methods=("POST",),
            body=lambda w: {
                "recommendation-action": "Planted",
                "recommendation-rationale": "Planted.",
                "recommendation-priority": "high",
            },
        )
    ),
    "reports:render": Entry(_report_cases(methods=("POST",))),
    "reports:finding-edit": Entry(
        _report_child_cases(
            "finding",
            "finding_id",
            methods=("GET", "POST"),
            body=lambda w: {"title": "Renamed", "evidence": "Planted."},
        )
    ),
    "reports:finding-delete": Entry(_report_child_cases("finding", "finding_id", methods=("POST",))),
    "reports:recommendation-edit": Entry(
        _report_child_cases(
            "recommendation",
            "recommendation_id",
            methods=("GET", "POST"),
            body=lambda w: {"action": "Renamed", "rationale": "Planted.", "priority": "low"},
        )
    ),
    "reports:recommendation-delete": Entry(
        _report_child_cases("recommendation", "recommendation_id", methods=("POST",))
    ),
    "reports:version-preview": Entry(_version_cases()),
    "reports:version-pdf": Entry(_version_pdf_cases()),
    # --- notifications and webhooks
    "events:notification-read": Entry(_notification_cases(methods=("POST",))),
    "events:webhook-deliveries": Entry(_subscription_cases()),
    "events:webhook-edit": Entry(
        _subscription_cases(
            methods=("GET", "POST"),
            body=lambda w: {"url": "https://planted.example/hook", "description": "Planted"},
        )
    ),
    "events:webhook-delete": Entry(_subscription_cases(methods=("GET", "POST"))),
    "events:webhook-rotate-secret": Entry(_subscription_cases(methods=("POST",))),
    "events:webhook-test": Entry(_subscription_cases(methods=("POST",))),
    "events:webhook-delivery-resend": Entry(_delivery_cases(methods=("POST",))),
    # --- API: directory
    "api:provider-detail": Entry(
        (Case("provider Q", _pk("provider_q"), "other_provider_manager", PROVIDER_Q_OUTSIDERS),)
    ),
    "api:team-member-detail": Entry(
        (Case("team member of Q", _pk("provider_q_member"), "other_provider_manager", PROVIDER_Q_OUTSIDERS),)
    ),
    "api:calendar-detail": Entry(
        (
            Case(
                "provider Q's calendar",
                lambda w: {"pk": w.provider_q.default_calendar_id},
                "other_provider_manager",
                PROVIDER_Q_OUTSIDERS,
            ),
        )
    ),
    "api:consultant-detail": Entry(
        (
            Case(
                "the executive consultant of engagement_ap",
                _pk("consultant_profile"),
                "client_staff",
                ("other_client_staff", "other_provider_manager"),
            ),
        )
    ),
    "api:client-detail": Entry(
        (Case("client B", _pk("client_b"), "other_client_staff", ("client_staff", "other_provider_manager")),)
    ),
    # --- API: engagements and tasks
    "api:engagement-detail": Entry(_engagement_cases()),
    "api:engagement-set-status": Entry(
        _engagement_cases(
            methods=("POST",), body=lambda w: {"status": "on_hold"}, owner="consultant_executive"
        )
    ),
    "api:engagement-terms": Entry(
        _engagement_cases(methods=("PATCH",), body=lambda w: {"budget": "1.00"}, owner="consultant_executive")
    ),
    "api:task-detail": Entry(_task_cases(methods=("GET", "PATCH"), body=_api_priority, headers=_if_match)),
    "api:task-clocks": Entry(_task_cases()),
    "api:task-transition": Entry(
        _task_cases(methods=("POST",), body=_api_move, headers=_if_match, owner="provider_manager")
    ),
    "api:task-assign": Entry(
        _task_cases(methods=("POST",), body=_api_unassign, headers=_if_match, owner="provider_manager")
    ),
    "api:task-priority": Entry(_task_cases(methods=("POST",), body=_api_priority, headers=_if_match)),
    "api:task-event-detail": Entry(
        (
            Case("release event of task_ap_ready", _pk("event_ready"), "client_staff", TENANT_OUTSIDERS),
            Case(
                "creation event of task_ap_draft (client's draft)",
                _pk("event_draft"),
                "client_staff",
                ("provider_manager", "provider_analyst"),
            ),
        )
    ),
    "api:deliverable-detail": Entry(_child_cases("deliverable")),
    "api:deliverable-download": Entry(_child_cases("deliverable")),
    "api:comment-detail": Entry(
        _child_cases("task_comment")
        + (Case("engagement comment", _pk("engagement_comment"), "client_staff", TENANT_OUTSIDERS),)
    ),
    "api:review-detail": Entry(_child_cases("review")),
    "api:time-entry-detail": Entry(_child_cases("time_entry")),
    # --- API: SLA
    "api:sla-detail": Entry((Case("SLA of engagement_ap", _pk("sla"), "client_staff", TENANT_OUTSIDERS),)),
    "api:task-clock-detail": Entry(
        (Case("clock of task_ap_ready", _pk("clock"), "client_staff", TENANT_OUTSIDERS),)
    ),
    "api:kpi-snapshot-detail": Entry(
        (Case("KPI snapshot of engagement_ap", _pk("kpi"), "client_staff", TENANT_OUTSIDERS),)
    ),
    # --- API: reports
    "api:report-detail": Entry(_report_cases()),
    "api:report-versions": Entry(_report_cases()),
    "api:report-render": Entry(_report_cases(methods=("POST",))),
    "api:report-version-detail": Entry(_version_cases()),
    "api:report-version-pdf": Entry(_version_pdf_cases()),
    # --- API: webhooks and notifications
    "api:webhook-subscription-detail": Entry(
        _subscription_cases(
            methods=("GET", "PUT", "PATCH", "DELETE"),
            body=lambda w: {"url": "https://planted.example/hook", "description": "Planted"},
        )
    ),
    "api:webhook-subscription-rotate-secret": Entry(_subscription_cases(methods=("POST",))),
    "api:webhook-subscription-send-test": Entry(_subscription_cases(methods=("POST",))),
    "api:webhook-delivery-detail": Entry(_delivery_cases()),
    "api:webhook-delivery-resend": Entry(_delivery_cases(methods=("POST",))),
    "api:notification-detail": Entry(_notification_cases()),
}

EXEMPT: dict[str, str] = {
    "engagements:board-column": (
        "`status` names a board column, not an object; the column lists tasks through tasks_visible_to "
        "and an unknown status is a 404 (tests/web/test_board.py)"
    ),
    "api:service-line-detail": (
        "service lines are the platform's shared catalogue (no tenant owns one): every signed-in user "
        "may read every one"
    ),
}

# "<test id>": "why it fails today (file:line)". Each becomes xfail(strict=True): fixing the leak makes
# the test pass and the strict xfail fail, so the entry must then be removed.
KNOWN_LEAKS: dict[str, str] = {}
