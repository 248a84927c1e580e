"""Rendering a report to PDF: request (snapshot + queue), render (claim, render, store, publish), recover.

A render request snapshots the report's content on a new immutable ReportVersion and queues it after
commit; a second request while one is under way joins it (one pending version per report, enforced by
a partial unique constraint). The worker claims the version with a conditional update and a lease;
the PDF is stored through Django's storage API first, and only then is the version marked ready, in
one transaction with the `report.ready` event and the notifications. A worker killed mid-render
leaves the version `rendering` with an expiring lease. Its message comes back (reject_on_worker_lost)
and takes the lease over at once; if that is lost too, the recovery sweep queues the version again once
the lease expires. Either way it runs up to MAX_ATTEMPTS times, then is marked failed with the reason. Nothing half-written is ever marked ready.
"""

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kpo.accounts.choices import CLIENT_ROLES
from kpo.accounts.models import User
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.events.choices import EventType
from kpo.events.messages import notification_text_in
from kpo.events.models import Notification
from kpo.events.services import event_publish

from ..choices import PENDING_STATUSES, ReportStatus
from ..document import content_sha256, report_document
from ..models import RecommendationReport, ReportVersion, report_version_upload_to
from ..rendering import RenderError, RenderMeta, render_pdf
from ..selectors import report_may_edit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# The worker holds a claimed render this long: above the task's hard time limit, so a live render is
# never claimed twice, and a lost one is claimable again soon after.
RENDER_TIME_LIMIT = int(getattr(settings, "KPO_REPORT_RENDER_TIME_LIMIT", 180))
LEASE = timedelta(seconds=RENDER_TIME_LIMIT + 60)
# A queued version whose message was lost (broker down at commit) is queued again after this.
REQUEUE_AFTER = timedelta(minutes=5)


def report_render_request(*, report: RecommendationReport, actor: User) -> tuple[ReportVersion, bool]:
    """Snapshot the report's content on a new version and queue its render after commit.

    Returns (version, created): a render already queued or under way is returned as is (created False),
    so a double click or a retried API call queues one render.
    """
    if not report_may_edit(actor, report):
        raise PermissionDenied(_("Only the engagement's consultants may generate this report's PDF."))
    from ..tasks import render_report_version  # the task module imports this one

    with transaction.atomic():
        locked = (
            RecommendationReport.objects.select_for_update(of=("self",))
            .select_related(
                "engagement__client",
                "engagement__provider",
                "engagement__service_line",
                "engagement__sla",
                "author",
            )
            .get(pk=report.pk)
        )
        pending = locked.versions.filter(status__in=PENDING_STATUSES).first()
        if pending is not None:
            return pending, False
        if not locked.findings.exists() and not locked.recommendations.exists():
            raise ApplicationError(_("Add at least one finding or recommendation before generating the PDF."))
        document = report_document(locked)
        number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = ReportVersion.objects.create(
            report=locked,
            number=number,
            status=ReportStatus.QUEUED,
            content=document,
            content_sha256=content_sha256(document),
            created_by=actor,
        )
        locked.status, locked.last_error = ReportStatus.QUEUED, ""
        locked.save(update_fields=["status", "last_error", "updated_at"])
        audit_record(
            actor=actor,
            action="report.render_requested",
            obj=locked,
            changes={"version": number, "content_sha256": version.content_sha256},
        )
        transaction.on_commit(lambda: render_report_version.delay(version.pk))
    return version, True


def _set_report_status(version: ReportVersion, status: str, error: str = "") -> None:
    """Mirror the newest version's outcome on the report (an older version finishing changes nothing)."""
    newest = ReportVersion.objects.filter(report_id=version.report_id).aggregate(top=Max("number"))["top"]
    if newest == version.number:
        RecommendationReport.objects.filter(pk=version.report_id).update(
            status=status, last_error=error[:2000]
        )


def _meta(version: ReportVersion) -> RenderMeta:
    requested_by = version.created_by
    return RenderMeta(
        content_sha256=version.content_sha256,
        version_number=version.number,
        requested_at=date_format(timezone.localtime(version.created_at), "DATETIME_FORMAT") + " UTC"
        if settings.TIME_ZONE == "UTC"
        else date_format(timezone.localtime(version.created_at), "DATETIME_FORMAT"),
        requested_by=(requested_by.full_name or requested_by.email) if requested_by else "",
    )


def report_version_render(*, version_id: int, now: datetime | None = None, claimant: str = "") -> str:
    """Render one queued version; returns "ready", "failed" or "skipped" (not claimable: done, taken
    by a live worker, or gone). Safe to run twice: only the claimant renders, only once it is ready.

    `claimant`: the worker task's id. A message comes back with the same id only when the worker that
    ran it died (acks_late + reject_on_worker_lost), so that run takes the lease over at once instead of
    waiting for it to expire and for the recovery sweep."""
    now = now or timezone.now()
    claimable = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RENDERING, lease_expires_at__lt=now)
    if claimant:
        claimable |= Q(status=ReportStatus.RENDERING, claimed_by=claimant)
    claimed = ReportVersion.objects.filter(claimable, pk=version_id, attempts__lt=MAX_ATTEMPTS).update(
        status=ReportStatus.RENDERING,
        started_at=now,
        lease_expires_at=now + LEASE,
        claimed_by=claimant,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        _fail_if_exhausted(version_id=version_id, now=now, claimant=claimant)
        return "skipped"
    version = ReportVersion.objects.select_related("report__engagement", "created_by").get(pk=version_id)
    _set_report_status(version, ReportStatus.RENDERING)
    try:
        rendered = render_pdf(version.content, _meta(version))
    except RenderError as exc:
        report_version_fail(version_id=version.pk, reason=str(exc), claimed_at=now)
        return "failed"

    storage = version.file.storage
    name = report_version_upload_to(version, "report.pdf")
    if storage.exists(name):
        storage.delete(name)  # the leftover of a render killed while writing: never served, replaced
    saved_name = storage.save(name, ContentFile(rendered.pdf))
    with transaction.atomic():
        finished = ReportVersion.objects.filter(
            pk=version.pk, status=ReportStatus.RENDERING, started_at=now
        ).update(
            status=ReportStatus.READY,
            file=saved_name,
            file_size=len(rendered.pdf),
            file_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            page_count=rendered.page_count,
            render_ms=rendered.render_ms,
            finished_at=timezone.now(),
            lease_expires_at=None,
            error="",
        )
        if not finished:
            return "skipped"  # our lease expired and another run took the version over
        version.refresh_from_db()
        _set_report_status(version, ReportStatus.READY)
        _publish_ready(version)
    return "ready"


def report_version_fail(*, version_id: int, reason: str, claimed_at: datetime | None = None) -> bool:
    """Mark a queued or rendering version failed with a reason the user reads; False if it was not."""
    with transaction.atomic():
        versions = ReportVersion.objects.filter(pk=version_id, status__in=PENDING_STATUSES)
        if claimed_at is not None:
            versions = versions.filter(started_at=claimed_at)
        if not versions.update(
            status=ReportStatus.FAILED, error=reason[:2000], finished_at=timezone.now(), lease_expires_at=None
        ):
            return False
        version = ReportVersion.objects.select_related("report").get(pk=version_id)
        _set_report_status(version, ReportStatus.FAILED, reason)
        audit_record(
            actor=None,
            action="report.render_failed",
            obj=version.report,
            changes={"version": version.number, "error": reason[:500]},
        )
    logger.warning("report version %s failed: %s", version_id, reason)
    return True


def _fail_if_exhausted(*, version_id: int, now: datetime, claimant: str = "") -> None:
    # Out of attempts and its last run is over: the lease expired, or that run's worker died.
    over = Q(lease_expires_at__lt=now)
    if claimant:
        over |= Q(claimed_by=claimant)
    exhausted = ReportVersion.objects.filter(
        over, pk=version_id, status=ReportStatus.RENDERING, attempts__gte=MAX_ATTEMPTS
    ).exists()
    if exhausted:
        report_version_fail(
            version_id=version_id,
            reason=_("The renderer stopped before finishing %(n)d times; generate the PDF again.")
            % {"n": MAX_ATTEMPTS},
        )


def report_renders_recover(*, now: datetime | None = None) -> int:
    """Sweep: queue again the renders whose worker was lost (lease expired) or whose enqueue was lost;
    fail the ones that used up their attempts. Returns how many were queued again."""
    from ..tasks import render_report_version

    now = now or timezone.now()
    stale = ReportVersion.objects.filter(
        Q(status=ReportStatus.RENDERING, lease_expires_at__lt=now)
        | Q(status=ReportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
    ).values_list("pk", "attempts")
    requeued = 0
    for version_id, attempts in stale:
        if attempts >= MAX_ATTEMPTS:
            _fail_if_exhausted(version_id=version_id, now=now)
        else:
            render_report_version.delay(version_id)
            requeued += 1
    return requeued


def _recipients(version: ReportVersion) -> dict[int, User]:
    """Who hears that a version is ready: whoever asked for it, the engagement's consultants, and the
    client's people (a ready version is what they read)."""
    engagement = version.report.engagement
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk=version.created_by_id)
            | Q(engagement_links__engagement_id=engagement.pk)
            | Q(
                memberships__organisation_id=engagement.client.organisation_id,
                memberships__role__in=CLIENT_ROLES,
            )
        )
    )
    return {user.pk: user for user in users.distinct()}


def _publish_ready(version: ReportVersion) -> None:
    report = version.report
    url = report.get_absolute_url()
    event = event_publish(
        event_type=EventType.REPORT_READY,
        engagement=report.engagement,
        actor=version.created_by,
        payload={
            "report_id": report.pk,
            "report_title": report.title,
            "version": version.number,
            "content_sha256": version.content_sha256,
            "file_sha256": version.file_sha256,
            "page_count": version.page_count,
            "file_size": version.file_size,
            "url": url,
            "pdf_url": reverse("api:report-version-pdf", args=[report.pk, version.number]),
        },
    )
    # The words are written in each reader's language when shown; the English is kept as the fallback.
    params = {
        "report_title": report.title,
        "version": version.number,
        "page_count": version.page_count,
        "content_sha256": version.content_sha256,
    }
    english = notification_text_in("en", verb=EventType.REPORT_READY, params=params)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                event=event,
                verb=EventType.REPORT_READY,
                title=english.title,
                body=english.body,
                params=params,
                url=url,
                created_at=event.occurred_at,
            )
            for user in _recipients(version).values()
        ],
        ignore_conflicts=True,
    )
