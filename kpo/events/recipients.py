"""Who hears about an event, and how: the people concerned, never the one who caused it.

In-app notifications appear at once. SLA and KPI alerts are also emailed: a breach of a P1/P2 task at
once, everything else in a digest at a sensible hour of the recipient's own day (see `email_after`).
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q

from engagements.choices import TaskStatus
from kpo.accounts.choices import Role
from kpo.accounts.models import Membership

from .choices import EventType
from .messages import STATUS_TITLES, notification_text_in
from .models import DomainEvent, Notification

CLIENT_SIDE = "client"
PROVIDER_SIDE = "provider"
# For a task status change, which roles of which side to tell.
STATUS_AUDIENCE: dict[str, list[tuple[str, str]]] = {
    TaskStatus.READY: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.ON_HOLD: [(CLIENT_SIDE, Role.CLIENT_STAFF), (CLIENT_SIDE, Role.CLIENT_SME)],
    TaskStatus.DELIVERED: [(CLIENT_SIDE, Role.CLIENT_SME)],
    TaskStatus.REWORK_REQUESTED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.ACCEPTED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.CANCELLED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER), (CLIENT_SIDE, Role.CLIENT_STAFF)],
}
# The provider acts on a warning; a breach concerns both sides.
ALERT_AUDIENCE = {
    EventType.SLA_AT_RISK: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    EventType.SLA_BREACHED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER), (CLIENT_SIDE, Role.CLIENT_STAFF)],
    EventType.KPI_BREACHED: [
        (PROVIDER_SIDE, Role.PROVIDER_MANAGER),
        (CLIENT_SIDE, Role.CLIENT_STAFF),
        (CLIENT_SIDE, Role.CLIENT_ADMIN),
    ],
}
URGENT_PRIORITIES = {"P1", "P2"}
DIGEST_HOUR = time(9, 0)


def _members(organisation_id: int, role: str):
    return get_user_model().objects.filter(
        is_active=True, memberships__organisation_id=organisation_id, memberships__role=role
    )


def _audience(event: DomainEvent, audience) -> dict[int, object]:
    engagement = event.engagement
    recipients: dict[int, object] = {}
    for side, role in audience:
        organisation_id = (
            engagement.client.organisation_id if side == CLIENT_SIDE else engagement.provider.organisation_id
        )
        for user in _members(organisation_id, role):
            recipients[user.pk] = user
    return recipients


def _add_assignee(event: DomainEvent, recipients: dict[int, object]) -> None:
    assignee_user_id = event.payload.get("assignee_user_id")
    if assignee_user_id:
        for user in get_user_model().objects.filter(pk=assignee_user_id, is_active=True):
            recipients[user.pk] = user


def next_digest_time(user, after: datetime) -> datetime:
    """The next 09:00 on a weekday in the user's own time zone, at or after `after`."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), DIGEST_HOUR, tzinfo=zone)
    if candidate < local:
        candidate += timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += timedelta(days=1)
    return candidate


def notifications_for(event: DomainEvent) -> list[Notification]:
    if event.engagement is None:
        return []
    if event.event_type == EventType.TASK_STATUS_CHANGED:
        return _status_notifications(event)
    if event.event_type in (EventType.SLA_AT_RISK, EventType.SLA_BREACHED):
        return _sla_notifications(event)
    if event.event_type == EventType.KPI_BREACHED:
        return _kpi_notifications(event)
    return []


def _status_notifications(event: DomainEvent) -> list[Notification]:
    to_status = event.payload.get("to_status")
    if to_status not in STATUS_TITLES:
        return []  # e.g. work started: nobody needs telling
    audience = STATUS_AUDIENCE.get(to_status, [])
    never_released = (
        to_status == TaskStatus.CANCELLED and event.payload.get("from_status") == TaskStatus.DRAFT
    )
    if never_released:
        # A draft is the client's business: the provider never saw it, so it hears nothing of it.
        audience = [(side, role) for side, role in audience if side != PROVIDER_SIDE]
    recipients = _audience(event, audience)
    if (
        to_status in {TaskStatus.REWORK_REQUESTED, TaskStatus.CANCELLED, TaskStatus.READY}
        and not never_released
    ):
        _add_assignee(event, recipients)
    recipients.pop(event.actor_id, None)
    params = {
        "task_title": event.payload.get("task_title", ""),
        "to_status": to_status,
        "note": event.payload.get("note", ""),
    }
    return _notifications(event, recipients, params=params, url=event.payload.get("task_url", ""), email=None)


def _notifications(
    event: DomainEvent, recipients: dict, *, params: dict, url: str, email: str | None
) -> list[Notification]:
    """One notification per recipient, stamped with the event's time; `email` is None, "now" or "digest".

    The text is written from `params` when shown, in the reader's language; the English is stored too,
    for whatever reads the columns directly (the admin, older code).
    """
    english = notification_text_in("en", verb=event.event_type, params=params)
    return [
        Notification(
            recipient=user,
            event=event,
            verb=event.event_type,
            title=english.title,
            body=english.body,
            params=params,
            url=url,
            created_at=event.occurred_at,
            email_after=_email_after(user, event, email),
        )
        for user in recipients.values()
    ]


def _email_after(user, event: DomainEvent, email: str | None):
    if email is None:
        return None
    if email == "now":
        return event.occurred_at
    return next_digest_time(user, event.occurred_at)


def _sla_notifications(event: DomainEvent) -> list[Notification]:
    payload = event.payload
    recipients = _audience(event, ALERT_AUDIENCE[event.event_type])
    _add_assignee(event, recipients)
    breached = event.event_type == EventType.SLA_BREACHED
    params = {
        "task_title": payload.get("task_title", ""),
        "clock": payload.get("clock", "resolution"),
        "priority": payload.get("priority") or "",
    }
    urgent = breached and payload.get("priority") in URGENT_PRIORITIES
    return _notifications(
        event,
        recipients,
        params=params,
        url=payload.get("task_url", ""),
        email="now" if urgent else "digest",
    )


def _kpi_notifications(event: DomainEvent) -> list[Notification]:
    payload = event.payload
    recipients = _audience(event, ALERT_AUDIENCE[EventType.KPI_BREACHED])
    params = {
        "kpi": payload.get("kpi", ""),
        "period": payload.get("period", ""),
        "engagement_title": payload.get("engagement_title", ""),
        "value_percent": _percent_figure(payload.get("value_display")),
        "target_percent": _percent_figure(payload.get("target_display")),
        "numerator": payload.get("numerator", ""),
        "denominator": payload.get("denominator", ""),
    }
    return _notifications(event, recipients, params=params, url=payload.get("url", ""), email="digest")


def _percent_figure(display) -> str:
    """ "91.7%" -> "91.7" (the figure, written the reader's way when shown); "n/a" or nothing -> ""."""
    figure = str(display or "").strip().removesuffix("%")
    return figure if figure.replace(".", "", 1).lstrip("-").isdigit() else ""


# --- webhooks ------------------------------------------------------------------------------------
#
# A subscription belongs to an organisation and hears about an engagement only when that organisation
# may see it: the same guardian grants the selectors read (the client's and the provider's groups, the
# consultants attached by name). On top of the grant, the selectors' finer rules hold for a provider:
# a task is the client's until released (a draft, or one cancelled as a draft, is never sent), and
# recommendation reports are written for the client, never shown to the provider.

PROVIDER_HIDDEN_EVENTS = frozenset({EventType.REPORT_READY})


def _task_released(task_id) -> bool:
    from engagements.models import TaskEvent

    return TaskEvent.objects.filter(task_id=task_id, kind="status", to_status=TaskStatus.READY).exists()


def webhook_subscriptions_for(event: DomainEvent) -> list:
    """The active subscriptions that may receive this event, by the rules above (a few queries)."""
    from engagements.models import EngagementGroupObjectPermission, EngagementUserObjectPermission
    from engagements.selectors import VIEW_ENGAGEMENT

    from .models import WebhookSubscription

    if event.engagement_id is None or event.event_type == EventType.WEBHOOK_PING:
        return []
    by_group = EngagementGroupObjectPermission.objects.filter(
        content_object_id=event.engagement_id, permission__codename=VIEW_ENGAGEMENT
    ).values("group_id")
    attached_users = EngagementUserObjectPermission.objects.filter(
        content_object_id=event.engagement_id, permission__codename=VIEW_ENGAGEMENT, user__is_active=True
    ).values("user_id")
    candidates = list(
        WebhookSubscription.objects.filter(is_active=True)
        .filter(
            Q(organisation__group_id__in=by_group) | Q(organisation__memberships__user_id__in=attached_users)
        )
        .select_related("organisation")
        .distinct()
    )
    if not candidates:
        return []
    # An organisation with a consultant attached by name sees the engagement as that consultant does.
    attached_orgs = set(
        Membership.objects.filter(user_id__in=attached_users).values_list("organisation_id", flat=True)
    )
    provider_org_id = event.engagement.provider.organisation_id
    task_id = event.payload.get("task_id")
    released: bool | None = None
    chosen = []
    for subscription in candidates:
        if not subscription.wants(event.event_type):
            continue
        provider_view = (
            subscription.organisation_id == provider_org_id
            and subscription.organisation_id not in attached_orgs
        )
        if provider_view:
            if event.event_type in PROVIDER_HIDDEN_EVENTS:
                continue
            if task_id is not None:
                if released is None:
                    released = _task_released(task_id)
                if not released:
                    continue
        chosen.append(subscription)
    return chosen
