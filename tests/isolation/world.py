"""The isolation test's world: tests/conftest.py's `world` plus one object of every kind, built once.

`build_world()` runs the shared conftest fixture bodies (resolving their arguments by name, the way pytest
would) so the personas and engagements are exactly those of every other test, then adds the objects
the id-swap registry needs, through the services wherever one exists:

    task_done        engagement_ap, released, started, delivered with a file, reviewed and accepted;
                     assigned to P's other team member (so the provider analyst may not see it);
                     a time entry, a task comment, an engagement comment
    clock            a TaskClock of task_ap_ready (from task_clocks_recompute)
    kpi              a KPI snapshot of engagement_ap
    candidate        recruited for provider P by the consultancy's recruiter, with a resume
    report_pub       on engagement_ap by the analyst consultant: a finding, a recommendation, version 1
                     ready (published, with a PDF file) and version 2 queued (unpublished)
    report_draft     on engagement_ap by the analyst consultant, never rendered (client may not see it)
    report_other     on engagement_bp by `other_analyst` (a consultant attached to engagement_bp only)
    notification     client_staff's
    subscription     provider P's webhook subscription, with `delivery` (a test ping)
    consultant_profile  the executive consultant's directory profile

Extra personas: `other_analyst` (consultancy, attached to engagement_bp as analyst), `other_recruiter`
(a recruiter of another consultancy), `other_client_admin` (client B's admin, a webhook manager).
"""

import inspect
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.choices import ConsultantRole, ReviewOutcome, TaskStatus
from engagements.services import (
    comment_add,
    deliverable_add,
    engagement_attach_consultant,
    review_submit,
    task_transition,
    time_entry_log,
)
from kpo.accounts.choices import OrganisationKind, Role
from kpo.events.choices import EventType
from kpo.events.models import Notification
from kpo.events.services import webhook_subscription_create, webhook_subscription_send_test
from providers.choices import CandidateSource
from providers.models import Consultant
from providers.services import candidate_add
from reports.choices import RecommendationPriority, ReportStatus
from reports.services import finding_create, recommendation_create, report_create, report_render_request
from sla.choices import Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot, TaskClock
from sla.services import task_clocks_recompute

from .. import conftest
from ..factories import OrganisationFactory, make_member, make_task

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fixture_body(name: str):
    """The function under a tests/conftest.py fixture (pytest >= 8.4 wraps it; older ones kept it)."""
    fixture = getattr(conftest, name)
    unwrap = getattr(fixture, "_get_wrapped_function", None)
    if unwrap is not None:
        return unwrap()
    wrapped = getattr(fixture, "__pytest_wrapped__", None)
    if wrapped is not None:
        return wrapped.obj
    raise RuntimeError(f"Cannot reach the body of the fixture {name!r} with this version of pytest.")


def _resolve(name: str, cache: dict):
    """A conftest fixture's value, its own arguments resolved by name first (like pytest does)."""
    if name not in cache:
        body = _fixture_body(name)
        kwargs = {arg: _resolve(arg, cache) for arg in inspect.signature(body).parameters}
        cache[name] = body(**kwargs)
    return cache[name]


def build_world() -> SimpleNamespace:
    """Build the world (call inside a transaction that is rolled back afterwards)."""
    cache: dict = {"db": None}
    base = _resolve("world", cache)
    p = SimpleNamespace(**cache["personas"])
    w = SimpleNamespace(**vars(base))
    w.personas = dict(cache["personas"])

    # Extra personas: outsiders who hold the right roles, in the wrong place.
    other_analyst = make_member(
        base.consultancy, Role.CONSULTANT_ANALYST, email="analyst2@meridian.example", full_name="Olga Analyst"
    )
    engagement_attach_consultant(
        engagement=base.engagement_bp, user=other_analyst, role=ConsultantRole.ANALYST, actor=p.operator
    )
    other_consultancy = OrganisationFactory(name="Summit Partners", kind=OrganisationKind.CONSULTANCY)
    other_recruiter = make_member(
        other_consultancy,
        Role.CONSULTANT_RECRUITER,
        email="recruiter@summit.example",
        full_name="Ray Recruiter",
    )
    other_client_admin = make_member(
        base.client_b.organisation, Role.CLIENT_ADMIN, email="admin@contoso.example", full_name="Bea Admin"
    )
    w.personas.update(
        other_analyst=other_analyst, other_recruiter=other_recruiter, other_client_admin=other_client_admin
    )

    # A task worked through to acceptance, with everything hanging off a task.
    task = make_task(
        engagement=base.engagement_ap,
        title="Peer ratio appendix",
        assignee=base.other_team_member,
        actor=p.client_staff,
    )
    task = task_transition(task=task, to=TaskStatus.READY, actor=p.client_staff, version=task.version)
    task = task_transition(
        task=task, to=TaskStatus.IN_PROGRESS, actor=p.provider_manager, version=task.version
    )
    w.deliverable = deliverable_add(
        task=task,
        actor=p.provider_manager,
        file=SimpleUploadedFile("peers.csv", b"name,margin\nAcme,12.5\n", content_type="text/csv"),
    )
    task = task_transition(task=task, to=TaskStatus.DELIVERED, actor=p.provider_manager, version=task.version)
    w.review = review_submit(
        task=task,
        reviewer=p.client_sme,
        accuracy_score=Decimal("95"),
        outcome=ReviewOutcome.ACCEPTED,
        version=task.version,
    )
    task.refresh_from_db()
    w.task_done = task
    w.time_entry = time_entry_log(
        task=task,
        team_member=base.other_team_member,
        work_date=date(2025, 6, 2),
        hours=Decimal("2.5"),
        actor=p.provider_manager,
    )
    w.task_comment = comment_add(
        engagement=base.engagement_ap, author=p.client_staff, body="Appendix looks right.", task=task
    )
    w.engagement_comment = comment_add(
        engagement=base.engagement_ap, author=p.provider_manager, body="Team rota for August attached."
    )
    w.event_ready = base.task_ap_ready.events.order_by("id").last()
    w.event_draft = base.task_ap_draft.events.order_by("id").first()

    # SLA objects: a clock and a KPI snapshot.
    task_clocks_recompute(task_id=base.task_ap_ready.pk)
    w.clock = TaskClock.objects.filter(task=base.task_ap_ready).order_by("id").first()
    w.kpi = KpiSnapshot.objects.create(
        engagement=base.engagement_ap,
        sla=base.sla,
        kpi=Kpi.values[0],
        period_kind=PeriodKind.MONTH,
        period_start=date(2025, 6, 1),
        period_end=date(2025, 7, 1),
        numerator=Decimal("9"),
        denominator=Decimal("10"),
        value=Decimal("0.9"),
        target=Decimal("0.95"),
        status=KpiStatus.BREACHED,
        service_credit=Decimal("0"),
        currency="EUR",
    )

    # Recruiting.
    w.candidate = candidate_add(
        actor=p.consultant_recruiter,
        provider=base.provider_p,
        full_name="Dana Candidate",
        source=CandidateSource.REFERRAL,
        email="dana@example.com",
        resume=SimpleUploadedFile("dana.txt", b"Dana Candidate\nLLB, five years of legal research.\n"),
    )
    w.consultant_profile = Consultant.objects.create(user=p.consultant_executive, headline="Engagement lead")

    # Reports: published (v1 ready, v2 queued), draft, and one on another engagement.
    w.report_pub = _report(p.consultant_analyst, base.engagement_ap, "Delivery review H1")
    w.finding = w.report_pub.findings.get()
    w.recommendation = w.report_pub.recommendations.get()
    v1, _created = report_render_request(report=w.report_pub, actor=p.consultant_analyst)
    v1.file.save(f"isolation-{v1.report_id}-v1.pdf", ContentFile(PDF_BYTES), save=False)
    v1.status = ReportStatus.READY
    v1.save(update_fields=["file", "status"])
    w.version_ready = v1
    w.version_queued, _created = report_render_request(report=w.report_pub, actor=p.consultant_analyst)
    w.report_draft = _report(p.consultant_analyst, base.engagement_ap, "Sampling proposal (draft)")
    w.report_other = _report(other_analyst, base.engagement_bp, "Literature review cadence")
    w.finding_other = w.report_other.findings.get()
    w.recommendation_other = w.report_other.recommendations.get()

    # Events: a notification, a webhook subscription with a delivery.
    w.notification = Notification.objects.create(
        recipient=p.client_staff,
        verb=EventType.TASK_STATUS_CHANGED,
        title="Q3 filings summary is ready",
        url=base.task_ap_ready.get_absolute_url(),
    )
    w.subscription = webhook_subscription_create(
        actor=p.provider_manager, url="https://hooks.prism.example/kpo", description="Ticketing bridge"
    )
    w.delivery = webhook_subscription_send_test(subscription=w.subscription, actor=p.provider_manager)
    return w


def _report(author, engagement, title):
    report = report_create(
        engagement=engagement,
        actor=author,
        title=title,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 6, 30),
        executive_summary="Delivery is on time; sampling should double.",
    )
    finding = finding_create(report=report, actor=author, title="Rework is rising", evidence="Two of ten.")
    recommendation_create(
        report=report,
        actor=author,
        supporting_findings=[finding],
        action="Double the review sample",
        rationale="Rework doubled in a quarter.",
        priority=RecommendationPriority.HIGH,
    )
    return report
