"""Recompute SLA clocks in bulk, for one engagement or all, with a progress bar."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from engagements.models import Engagement
from sla.models import ClockRecomputeJob
from sla.services import clock_job_run


class Command(BaseCommand):
    help = "Recompute every task clock (or one engagement's) from the task events, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--engagement", type=int, help="Only this engagement's tasks (its id).")
        parser.add_argument("--batch-size", type=int, default=20_000, help="Tasks per batch (default 20000).")

    def handle(self, *args, **options):
        engagement = None
        if options["engagement"] is not None:
            engagement = Engagement.objects.filter(pk=options["engagement"]).first()
            if engagement is None:
                raise CommandError(f"No engagement with id {options['engagement']}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be a positive number.")
        job = ClockRecomputeJob.objects.create(engagement=engagement, reason="manage.py sla_recompute")
        started = time.monotonic()
        interactive = sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            rate = done / max(time.monotonic() - started, 1e-6)
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} tasks ({rate:,.0f}/s)"
            self.stdout.write(("\r" + line) if interactive else line, ending="" if interactive else "\n")
            self.stdout.flush()

        job = clock_job_run(job_id=job.pk, batch_size=options["batch_size"], progress=progress)
        if interactive:
            self.stdout.write("")
        scope = f"engagement {engagement.pk} ({engagement})" if engagement else "all engagements"
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed the clocks of {job.done} tasks of {scope} in {time.monotonic() - started:.1f}s."
            )
        )
