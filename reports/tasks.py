"""Celery tasks of reports: take ids, call a service, own the retry policy."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _

from .services.render import (
    RENDER_TIME_LIMIT,
    report_renders_recover,
    report_version_fail,
    report_version_render,
)

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=RENDER_TIME_LIMIT - 20,
    time_limit=RENDER_TIME_LIMIT,
)
def render_report_version(self, version_id: int) -> str:
    """Render one version. A lost worker re-delivers the message, which takes its own claim over."""
    try:
        return report_version_render(version_id=version_id, claimant=self.request.id or "")
    except SoftTimeLimitExceeded:
        report_version_fail(
            version_id=version_id,
            reason=_("Rendering took longer than %(s)d seconds and was stopped.")
            % {"s": RENDER_TIME_LIMIT - 20},
        )
        return "failed"
    except Exception as exc:
        # Anything unexpected is shown to the user rather than retried forever.
        logger.exception("rendering report version %s failed", version_id)
        report_version_fail(version_id=version_id, reason=f"{type(exc).__name__}: {exc}")
        return "failed"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recover_report_renders() -> int:
    """Beat sweep: re-queue renders whose worker or enqueue was lost; fail those out of attempts."""
    return report_renders_recover()
