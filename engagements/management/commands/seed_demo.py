"""`manage.py seed_demo`: a realistic, reproducible demo world, safe to run again.

Three clients, four providers (India, the Philippines, the Czech Republic, Ireland), a consultancy,
fourteen engagements across every lifecycle status, six months of task history written through the
real services, reviews, effort, candidates and draft recommendation reports. Every demo login uses
the shared demo password, which the login backend accepts only with DEBUG on.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from engagements.demo import people
from engagements.demo.seed import seed_demo_world
from engagements.demo.world import demo_password
from engagements.models import (
    Client,
    ClientContact,
    Engagement,
    EngagementConsultant,
    QualityReview,
    ReviewDefect,
    Task,
    TaskEvent,
    TimeEntry,
)
from kpo.accounts.models import Membership, Organisation, User
from kpo.events.models import Notification
from providers.models import Candidate, Certification, Consultant, Provider, ServiceLine, TeamMember
from reports.models import Finding, Recommendation, RecommendationReport
from sla.models import SLA, BusinessCalendar

SUMMARY_MODELS: list[tuple[str, type[models.Model]]] = [
    ("Users", User),
    ("Organisations", Organisation),
    ("Memberships", Membership),
    ("Clients", Client),
    ("Client contacts", ClientContact),
    ("Service lines", ServiceLine),
    ("Providers", Provider),
    ("Certifications", Certification),
    ("Team members", TeamMember),
    ("Consultants", Consultant),
    ("Candidates", Candidate),
    ("Business calendars", BusinessCalendar),
    ("SLAs", SLA),
    ("Engagements", Engagement),
    ("Consultant attachments", EngagementConsultant),
    ("Tasks", Task),
    ("Task events", TaskEvent),
    ("Quality reviews", QualityReview),
    ("Review defects", ReviewDefect),
    ("Time entries", TimeEntry),
    ("Recommendation reports", RecommendationReport),
    ("Findings", Finding),
    ("Recommendations", Recommendation),
    ("Notifications", Notification),
]


def _counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in SUMMARY_MODELS}


class Command(BaseCommand):
    help = (
        "Seed a realistic demo world (clients, providers, engagements, six months of task history, reviews, "
        "effort, candidates, draft reports). Idempotent: a second run creates nothing. DEBUG only, unless "
        "--force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off (the demo password will not work for logging in).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: the demo users' password "
                f"'{demo_password()}' is refused at login unless DEBUG is on, and demo data does not belong "
                "in a production database. Run with DEBUG=1, or pass --force to seed anyway."
            )
        started = time.monotonic()
        # One fixed "now" for the whole run: histories end at the top of the current hour.
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        before = _counts()
        # Eager Celery logs a line per dispatched event; a seeding run dispatches over a thousand.
        trace_logger = logging.getLogger("celery.app.trace")
        previous_level = trace_logger.level
        trace_logger.setLevel(logging.WARNING)
        try:
            with transaction.atomic():
                outcome = seed_demo_world(now=now)
            # Event dispatch (notifications) runs on commit, above. A demo inbox shows the last week as
            # unread; older history reads as already handled.
            self._measure_slas(now)
            Notification.objects.filter(created_at__lt=now - timedelta(days=7), read_at__isnull=True).update(
                read_at=models.F("created_at")
            )
        finally:
            trace_logger.setLevel(previous_level)
        after = _counts()
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo world ready in {elapsed:.1f}s (history up to {now:%Y-%m-%d %H:%M} UTC)."
            )
        )
        if outcome.skipped_histories:
            self.stdout.write(
                "Task histories already present, left untouched: "
                f"{len(outcome.skipped_histories)} engagements."
            )
        width = max(len(label) for label, _model in SUMMARY_MODELS)
        for label, _model in SUMMARY_MODELS:
            added = after[label] - before[label]
            self.stdout.write(f"  {label:<{width}}  {after[label]:>6}  (+{added})")
        by_status: dict[str, int] = {}
        for status, count in Task.objects.values_list("status").annotate(n=models.Count("id")):
            by_status[status] = count
        self.stdout.write("  Tasks by status: " + ", ".join(f"{s} {n}" for s, n in sorted(by_status.items())))

        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {demo_password()}, works only with DEBUG on):")
        email_width = max(len(email) for email, _role, _org in people.DEMO_LOGINS)
        role_width = max(len(role) for _email, role, _org in people.DEMO_LOGINS)
        for email, role, organisation in people.DEMO_LOGINS:
            self.stdout.write(f"  {email:<{email_width}}  {role:<{role_width}}  {organisation}")
        self.stdout.write(
            "  Also: client.admin@, client2.sme@, client2.admin@, client3.staff@, client3.sme@, "
            "client3.admin@, provider3.manager@, provider4.manager@ (all @demo.kpo)."
        )

    def _measure_slas(self, now) -> None:
        """Clocks for every released task and monthly KPIs for the SLA engagements' history (idempotent)."""
        from datetime import date

        from sla.bulk import clocks_recompute_tasks
        from sla.kpis import engagement_kpis_compute

        clocks_recompute_tasks(
            list(Task.objects.exclude(status="draft").values_list("pk", flat=True)), now=now
        )
        for engagement in Engagement.objects.filter(sla__isnull=False).exclude(
            status__in=["proposed", "negotiating"]
        ):
            six_months_back = date(now.year - (now.month <= 6), (now.month - 7) % 12 + 1, 1)
            month = max(date(engagement.start_date.year, engagement.start_date.month, 1), six_months_back)
            while month <= now.date():
                engagement_kpis_compute(engagement_id=engagement.pk, period_start=month, now=now)
                month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
