"""In-app notifications: marking them read, and emailing the due ones in digests."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override

from ..models import Notification


def notification_mark_read(*, user, notification_ids) -> int:
    marked = Notification.objects.filter(
        recipient=user, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
    if getattr(user, "kpo_unread_count", None) is not None:
        user.kpo_unread_count = None  # the count read with the user is stale now: the header reads it again
    return marked


EMAIL_BATCH = 500


def email_digests_send(*, now=None) -> int:
    """Email every due notification, one message per recipient; returns the number of emails sent.

    Rows are claimed under a row lock and marked in the same transaction as the send, so two workers
    never email the same notification and a failed send leaves it due for the next run.
    """
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, email_after__lte=now, recipient__is_active=True)
            .select_related("recipient")
            .order_by("recipient_id", "created_at")[:EMAIL_BATCH]
        )
        by_recipient: dict[int, list[Notification]] = {}
        for notification in due:
            by_recipient.setdefault(notification.recipient_id, []).append(notification)
        for items in by_recipient.values():
            recipient = items[0].recipient
            subject, message = _digest_email(items, language=getattr(recipient, "language", "") or "en")
            send_mail(
                subject=subject[:200],
                message=message,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
            sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(emailed_at=now)
    return sent


def _digest_email(items: list[Notification], *, language: str) -> tuple[str, str]:
    """The subject and text of one recipient's email, in the recipient's own language."""
    with override(language):
        texts = [n.text for n in items]
        if len(items) == 1:
            subject = texts[0].title
        else:
            subject = ngettext(
                "KPO Desk: %(count)d SLA alert for you", "KPO Desk: %(count)d SLA alerts for you", len(items)
            ) % {"count": len(items)}
        lines = [
            f"- {text.title}\n  {text.body}\n  {n.url}".rstrip() for n, text in zip(items, texts, strict=True)
        ]
        greeting = gettext("Hello,\n\nWhat needs your attention on KPO Desk:")
    return subject, greeting + "\n\n" + "\n".join(lines) + "\n"
