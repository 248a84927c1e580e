"""Render the seeded demo report to PDF now (no worker needed), optionally with PNGs of its pages."""

import shutil
import subprocess
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.choices import ReportStatus
from reports.demo import demo_report
from reports.models import ReportVersion
from reports.services import report_render_request, report_version_render


class Command(BaseCommand):
    help = "Render the demo report (from `manage.py seed_demo`) to a new PDF version; --png-dir writes page images."

    def add_arguments(self, parser):
        parser.add_argument("--png-dir", help="Write one PNG per page here (pdftoppm -png -r 60).")
        parser.add_argument("--pdf", help="Also copy the PDF to this path.")
        parser.add_argument("--resolution", type=int, default=60, help="PNG resolution in DPI (default 60).")

    def handle(self, *args, **options):
        report = demo_report()
        if report is None:
            raise CommandError("No report to render: run `manage.py seed_demo` first.")
        author = report.author
        if author is None:
            raise CommandError(f"Report {report.pk} has no author to render it as.")
        version, _created = report_render_request(report=report, actor=author)
        outcome = report_version_render(version_id=version.pk)
        deadline = time.monotonic() + 120
        version.refresh_from_db()
        while version.status in (ReportStatus.QUEUED, ReportStatus.RENDERING) and time.monotonic() < deadline:
            time.sleep(0.5)  # a worker (or the eager on-commit run) holds it: wait for its outcome
            version.refresh_from_db()
        if version.status != ReportStatus.READY:
            raise CommandError(f"Version {version.number} is {version.status}: {version.error or outcome}")
        self.stdout.write(
            self.style.SUCCESS(
                f"“{report.title}” version {version.number}: {version.page_count} pages, "
                f"{version.file_size:,} bytes, rendered in {version.render_ms} ms, content SHA-256 {version.content_sha256}"
            )
        )
        pdf_path = Path(options["pdf"]) if options.get("pdf") else None
        if pdf_path:
            pdf_path.parent.mkdir(parents=True, exist_ok=True)
            with version.file.open("rb") as source, pdf_path.open("wb") as target:
                shutil.copyfileobj(source, target)
            self.stdout.write(f"PDF copied to {pdf_path}")
        if options.get("png_dir"):
            self._pngs(version, Path(options["png_dir"]), options["resolution"])

    def _pngs(self, version: ReportVersion, directory: Path, resolution: int) -> None:
        pdftoppm = shutil.which("pdftoppm")
        if not pdftoppm:
            raise CommandError("pdftoppm is not installed (Debian: apt-get install -y poppler-utils).")
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("page-*.png"):
            old.unlink()
        source = directory / "report.pdf"
        with version.file.open("rb") as stored, source.open("wb") as target:
            shutil.copyfileobj(stored, target)
        subprocess.run(  # noqa: S603 - fixed program, our own file names
            [pdftoppm, "-png", "-r", str(resolution), str(source), str(directory / "page")], check=True
        )
        pages = sorted(directory.glob("page-*.png"))
        self.stdout.write(f"{len(pages)} page images in {directory}/")
