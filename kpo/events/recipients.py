"""Who hears about an event: the people concerned, never the one who caused it."""

from django.contrib.auth import get_user_model

from engagements.choices import TaskStatus
from kpo.accounts.choices import Role

from .choices import EventType
from .models import DomainEvent, Notification

# For a task status change, which roles of which side to tell.
CLIENT_SIDE = "client"
PROVIDER_SIDE = "provider"
STATUS_AUDIENCE: dict[str, list[tuple[str, str]]] = {
    TaskStatus.READY: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.ON_HOLD: [(CLIENT_SIDE, Role.CLIENT_STAFF), (CLIENT_SIDE, Role.CLIENT_SME)],
    TaskStatus.DELIVERED: [(CLIENT_SIDE, Role.CLIENT_SME)],
    TaskStatus.REWORK_REQUESTED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.ACCEPTED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER)],
    TaskStatus.CANCELLED: [(PROVIDER_SIDE, Role.PROVIDER_MANAGER), (CLIENT_SIDE, Role.CLIENT_STAFF)],
}

TITLES = {
    TaskStatus.READY: "New task released: {title}",
    TaskStatus.ON_HOLD: "Task on hold, waiting on you: {title}",
    TaskStatus.DELIVERED: "Delivered, awaiting your review: {title}",
    TaskStatus.REWORK_REQUESTED: "Rework requested: {title}",
    TaskStatus.ACCEPTED: "Accepted by the client: {title}",
    TaskStatus.CANCELLED: "Task cancelled: {title}",
}


def _members(organisation_id: int, role: str):
    return get_user_model().objects.filter(
        is_active=True, memberships__organisation_id=organisation_id, memberships__role=role
    )


def notifications_for(event: DomainEvent) -> list[Notification]:
    if event.event_type != EventType.TASK_STATUS_CHANGED or event.engagement is None:
        return []
    to_status = event.payload.get("to_status")
    if to_status not in TITLES:
        return []  # e.g. work started: nobody needs telling
    audience = STATUS_AUDIENCE.get(to_status, [])
    engagement = event.engagement
    recipients: dict[int, object] = {}
    for side, role in audience:
        organisation_id = (
            engagement.client.organisation_id if side == CLIENT_SIDE else engagement.provider.organisation_id
        )
        for user in _members(organisation_id, role):
            recipients[user.pk] = user
    assignee_user_id = event.payload.get("assignee_user_id")
    if assignee_user_id and to_status in {
        TaskStatus.REWORK_REQUESTED,
        TaskStatus.CANCELLED,
        TaskStatus.READY,
    }:
        for user in get_user_model().objects.filter(pk=assignee_user_id, is_active=True):
            recipients[user.pk] = user
    recipients.pop(event.actor_id, None)
    title = TITLES[to_status].format(title=event.payload.get("task_title", ""))[:200]
    body = event.payload.get("note", "")
    return [
        Notification(
            recipient=user,
            event=event,
            verb=event.event_type,
            title=title,
            body=body,
            url=event.payload.get("task_url", ""),
            created_at=event.occurred_at,
        )
        for user in recipients.values()
    ]
