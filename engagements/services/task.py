"""Writes to tasks: creation, the status machine, assignment and priority. Guards first, one transaction,
side effects (clock recompute, events) after commit."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, IllegalTransition, PermissionDenied, StaleVersion
from kpo.events.choices import EventType
from kpo.events.services import event_publish
from providers.models import TeamMember
from sla.choices import Priority
from sla.sampling import sample_draw_for_delivery

from ..choices import (
    ASSIGNEE,
    TASK_TRANSITIONS,
    TaskEventKind,
    TaskStatus,
)
from ..models import (
    Engagement,
    Task,
    TaskEvent,
)
from ..selectors import engagement_roles

# Clock skew allowed between an importing client and this server before a date counts as "future".
FUTURE_TOLERANCE = timedelta(minutes=5)


def task_create(
    *,
    engagement: Engagement,
    title: str,
    specification: str,
    actor: User | None = None,
    at: datetime | None = None,
    **fields,
) -> Task:
    """Create a draft task and its first event. The client side and the engagement's executive scope
    tasks (the same people who release them); operators and system imports (no actor) too."""
    creators = TASK_TRANSITIONS[TaskStatus.DRAFT][TaskStatus.READY]
    if actor is not None and not is_operator(actor) and not engagement_roles(actor, engagement) & creators:
        raise PermissionDenied(_("Only the client's staff or the engagement's executive may create tasks."))
    occurred_at = at or timezone.now()
    with transaction.atomic():
        task = Task(
            engagement=engagement, title=title, specification=specification, created_by=actor, **fields
        )
        task.full_clean()
        task.save()
        if at is not None:
            if occurred_at > timezone.now() + FUTURE_TOLERANCE:
                raise ApplicationError(_("A task cannot be created in the future."))
            Task.objects.filter(pk=task.pk).update(created_at=occurred_at, updated_at=occurred_at)
            task.created_at = task.updated_at = occurred_at
        TaskEvent.objects.create(
            task=task,
            kind=TaskEventKind.STATUS,
            actor=actor,
            occurred_at=occurred_at,
            from_status="",
            to_status=task.status,
            note="Task created",
            task_version=task.version,
        )
        audit_record(actor=actor, action="task.created", obj=task, changes={"status": task.status})
    return task


def _lock(task: Task) -> Task:
    """The task's row, locked for this transaction, with what the guards read."""
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("engagement__client", "engagement__provider", "assignee")
        .get(pk=task.pk)
    )


def _require_version(locked: Task, version: int) -> None:
    """Refuse a write made from an out-of-date copy of the task (optimistic concurrency)."""
    if version != locked.version:
        raise StaleVersion(
            _(
                "This task changed since you loaded it (you had version %(version)s, it is now "
                "version %(current)s). Reload it and try again."
            )
            % {"version": version, "current": locked.version},
            extra={"current_version": locked.version},
        )


def _record_change(
    locked: Task, *, kind: str, action: str, actor: User, previous: str, new: str, note: str = ""
) -> None:
    """The event and audit row of a change that is not a status move (assignee, priority)."""
    TaskEvent.objects.create(
        task=locked,
        kind=kind,
        actor=actor,
        occurred_at=timezone.now(),
        from_status=locked.status,
        to_status=locked.status,
        from_value=previous,
        to_value=new,
        note=note,
        task_version=locked.version,
    )
    audit_record(actor=actor, action=action, obj=locked, changes={"from": previous, "to": new})


def task_transition_allowed_roles(*, from_status: str, to_status: str) -> frozenset[str] | None:
    """The roles that may make this move, or None when the move is illegal."""
    return TASK_TRANSITIONS.get(from_status, {}).get(to_status)


def _may_act(*, actor: User, task: Task, allowed: frozenset[str], roles: frozenset[str]) -> bool:
    if is_operator(actor):
        return True
    if roles & allowed:
        return True
    return (
        ASSIGNEE in allowed
        and Role.PROVIDER_ANALYST in roles
        and task.assignee is not None
        and task.assignee.user_id == actor.pk
    )


def _recompute_clocks_on_commit(task_id: int) -> None:
    from sla.tasks import recompute_task_clocks  # sla depends on engagements, not the other way round

    transaction.on_commit(lambda: recompute_task_clocks.delay(task_id))


def task_transitions_available(*, task: Task, actor: User) -> list[str]:
    """The statuses this actor may move the task to now (what a page offers)."""
    roles = engagement_roles(actor, task.engagement)
    return [
        to
        for to, allowed in TASK_TRANSITIONS.get(task.status, {}).items()
        if _may_act(actor=actor, task=task, allowed=allowed, roles=roles)
    ]


def task_transition(
    *,
    task: Task,
    to: str,
    actor: User,
    version: int,
    note: str = "",
    at: datetime | None = None,
) -> Task:
    """Move a task to another status.

    Checks, in order: the actor may see the task's engagement, the move is legal from the current
    status, the actor's role may make it, and `version` is current (a stale copy is refused). Then
    bumps the version, writes the TaskEvent and the audit row in one transaction and publishes the
    event after commit. `at` back-dates the event (imports, demo data); it may not precede the
    task's last event.
    """
    if to not in TaskStatus.values:
        raise ApplicationError(_("Unknown status “%(status)s”.") % {"status": to})
    with transaction.atomic():
        locked = _lock(task)
        roles = engagement_roles(actor, locked.engagement)
        if not roles and not is_operator(actor):
            raise PermissionDenied(_("You do not have access to this task."))
        allowed = task_transition_allowed_roles(from_status=locked.status, to_status=to)
        if allowed is None:
            nexts = ", ".join(str(TaskStatus(s).label) for s in TASK_TRANSITIONS.get(locked.status, {})) or _(
                "none"
            )
            raise IllegalTransition(
                _("A task cannot go from “%(from)s” to “%(to)s”. Allowed next: %(next)s.")
                % {"from": TaskStatus(locked.status).label, "to": TaskStatus(to).label, "next": nexts},
                extra={"allowed": list(TASK_TRANSITIONS.get(locked.status, {}))},
            )
        if not _may_act(actor=actor, task=locked, allowed=allowed, roles=roles):
            raise PermissionDenied(
                _("Your role may not move a task from “%(from)s” to “%(to)s”.")
                % {"from": TaskStatus(locked.status).label, "to": TaskStatus(to).label}
            )
        _require_version(locked, version)
        now = timezone.now()
        occurred_at = at or now
        if occurred_at > now + FUTURE_TOLERANCE:
            raise ApplicationError(_("An event cannot be dated in the future."))
        last_event_at = locked.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        if last_event_at is not None and occurred_at < last_event_at:
            raise ApplicationError(_("An event cannot be dated before the task's previous event."))

        previous = locked.status
        locked.status = to
        locked.version += 1
        Task.objects.filter(pk=locked.pk).update(status=to, version=locked.version, updated_at=occurred_at)
        event = TaskEvent.objects.create(
            task=locked,
            kind=TaskEventKind.STATUS,
            actor=actor,
            occurred_at=occurred_at,
            from_status=previous,
            to_status=to,
            note=note,
            task_version=locked.version,
        )
        audit_record(
            actor=actor,
            action="task.transitioned",
            obj=locked,
            changes={"from": previous, "to": to, "version": locked.version, "note": note},
        )
        _recompute_clocks_on_commit(locked.pk)
        if to == TaskStatus.DELIVERED:
            sample_draw_for_delivery(task_id=locked.pk, now=occurred_at)
        event_publish(
            event_type=EventType.TASK_STATUS_CHANGED,
            engagement=locked.engagement,
            actor=actor,
            occurred_at=occurred_at,
            payload={
                "task_id": locked.pk,
                "task_title": locked.title,
                "task_url": locked.get_absolute_url(),
                "engagement_id": locked.engagement_id,
                "from_status": previous,
                "to_status": to,
                "version": locked.version,
                "task_event_id": event.pk,
                "note": note,
                "assignee_user_id": locked.assignee.user_id if locked.assignee else None,
            },
        )
    task.status, task.version = locked.status, locked.version
    return task


def task_assign(*, task: Task, assignee: TeamMember | None, actor: User, version: int) -> Task:
    """Assign a provider team member (provider manager or operator); the member must work for the provider."""
    with transaction.atomic():
        locked = _lock(task)
        roles = engagement_roles(actor, locked.engagement)
        if Role.PROVIDER_MANAGER not in roles and not is_operator(actor):
            raise PermissionDenied(_("Only the provider's manager may assign tasks."))
        if assignee is not None and assignee.provider_id != locked.engagement.provider_id:
            raise ApplicationError(
                _("%(member)s does not work for %(provider)s.")
                % {"member": assignee.full_name, "provider": locked.engagement.provider}
            )
        _require_version(locked, version)
        previous = locked.assignee.full_name if locked.assignee else ""
        locked.assignee = assignee
        locked.version += 1
        locked.save(update_fields=["assignee", "version", "updated_at"])
        _record_change(
            locked,
            kind=TaskEventKind.ASSIGNMENT,
            action="task.assigned",
            actor=actor,
            previous=previous,
            new=assignee.full_name if assignee else "",
        )
    task.assignee, task.version = locked.assignee, locked.version
    return task


def task_set_priority(*, task: Task, priority: str, actor: User, version: int, note: str = "") -> Task:
    """Change a task's priority: its SLA clocks keep the time used and pauses; only the budget changes."""
    if priority not in Priority.values:
        raise ApplicationError(
            _("Unknown priority %(priority)r; use one of %(choices)s.")
            % {"priority": priority, "choices": ", ".join(Priority.values)}
        )
    with transaction.atomic():
        locked = _lock(task)
        roles = engagement_roles(actor, locked.engagement)
        if not (
            roles & {Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE}
            or is_operator(actor)
        ):
            raise PermissionDenied(
                _("Only the client or the engagement's executive consultant sets priorities.")
            )
        _require_version(locked, version)
        if priority == locked.priority:
            return locked
        previous = locked.priority
        locked.priority, locked.version = priority, locked.version + 1
        locked.save(update_fields=["priority", "version", "updated_at"])
        _record_change(
            locked,
            kind=TaskEventKind.PRIORITY,
            action="task.priority_changed",
            actor=actor,
            previous=previous,
            new=priority,
            note=note,
        )
        _recompute_clocks_on_commit(locked.pk)
    task.priority, task.version = locked.priority, locked.version
    return task
