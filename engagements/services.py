"""Every write to engagements and their tasks. Guards first, one transaction, side effects on commit."""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_roles
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, IllegalTransition, PermissionDenied, StaleVersion
from kpo.events.choices import EventType
from kpo.events.services import event_publish
from providers.models import Provider, RateCardEntry, ServiceLine, TeamMember
from sla.choices import Priority
from sla.sampling import sample_draw_for_delivery, sampling_record_review

from .choices import (
    ASSIGNEE,
    TASK_TRANSITIONS,
    ConsultantRole,
    DefectType,
    EngagementStatus,
    ReviewOutcome,
    TaskEventKind,
    TaskStatus,
)
from .models import (
    Client,
    Comment,
    Engagement,
    EngagementConsultant,
    QualityReview,
    ReviewDefect,
    Task,
    TaskEvent,
    TimeEntry,
)
from .selectors import VIEW_ENGAGEMENT, engagement_roles

# Clock skew allowed between an importing client and this server before a date counts as "future".
FUTURE_TOLERANCE = timedelta(minutes=5)

CONSULTANT_LINK_BY_ROLE = {
    Role.CONSULTANT_EXECUTIVE: ConsultantRole.EXECUTIVE,
    Role.CONSULTANT_ANALYST: ConsultantRole.ANALYST,
    Role.CONSULTANT_BROKER: ConsultantRole.BROKER,
    Role.CONSULTANT_RECRUITER: ConsultantRole.RECRUITER,
}


# --- engagements ---------------------------------------------------------------------------------


def engagement_create(
    *,
    client: Client,
    provider: Provider,
    title: str,
    service_line: ServiceLine,
    scope: str,
    start_date,
    budget: Decimal,
    currency: str,
    actor: User | None = None,
    **fields,
) -> Engagement:
    """Create an engagement and grant view access to both parties' organisation groups."""
    with transaction.atomic():
        engagement = Engagement(
            client=client,
            provider=provider,
            title=title,
            service_line=service_line,
            scope=scope,
            start_date=start_date,
            budget=budget,
            currency=currency,
            **fields,
        )
        engagement.full_clean()
        engagement.save()
        assign_perm(VIEW_ENGAGEMENT, client.organisation.group, engagement)
        assign_perm(VIEW_ENGAGEMENT, provider.organisation.group, engagement)
        audit_record(
            actor=actor, action="engagement.created", obj=engagement, changes={"status": engagement.status}
        )
    return engagement


def engagement_attach_consultant(
    *, engagement: Engagement, user: User, role: str, actor: User | None = None
) -> EngagementConsultant:
    """Attach a consultant in one capacity; they must hold that consultant role. Grants view access
    (and change access for executives, who own the engagement's terms)."""
    if role not in ConsultantRole.values:
        raise ApplicationError(f"Unknown consultant role {role!r}.")
    required = {v: k for k, v in CONSULTANT_LINK_BY_ROLE.items()}[role]
    if required not in user_roles(user):
        raise ApplicationError(f"{user} is not a consultant of kind “{ConsultantRole(role).label}”.")
    with transaction.atomic():
        link, created = EngagementConsultant.objects.get_or_create(
            engagement=engagement, user=user, role=role
        )
        assign_perm(VIEW_ENGAGEMENT, user, engagement)
        if role == ConsultantRole.EXECUTIVE:
            assign_perm("change_engagement", user, engagement)
        if created:
            audit_record(
                actor=actor,
                action="engagement.consultant_attached",
                obj=engagement,
                changes={"user": user.email, "role": role},
            )
    return link


def engagement_detach_consultant(
    *, engagement: Engagement, user: User, role: str, actor: User | None = None
) -> None:
    with transaction.atomic():
        deleted, _ = EngagementConsultant.objects.filter(engagement=engagement, user=user, role=role).delete()
        if not EngagementConsultant.objects.filter(engagement=engagement, user=user).exists():
            remove_perm(VIEW_ENGAGEMENT, user, engagement)
            remove_perm("change_engagement", user, engagement)
        if deleted:
            audit_record(
                actor=actor,
                action="engagement.consultant_detached",
                obj=engagement,
                changes={"user": user.email, "role": role},
            )


def engagement_roles_may_change_terms(*, engagement: Engagement, actor: User | None) -> None:
    """Only the engagement's executive consultants and operators change its terms (SLA, budget, dates)."""
    if actor is None or is_operator(actor):
        return
    if Role.CONSULTANT_EXECUTIVE not in engagement_roles(actor, engagement):
        raise PermissionDenied("Only the engagement's executive consultant may change its terms.")


def engagement_set_status(*, engagement: Engagement, status: str, actor: User | None = None) -> Engagement:
    if status not in EngagementStatus.values:
        raise ApplicationError(f"Unknown engagement status {status!r}.")
    with transaction.atomic():
        previous = engagement.status
        engagement.status = status
        engagement.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="engagement.status_changed",
            obj=engagement,
            changes={"from": previous, "to": status},
        )
    return engagement


# --- tasks ---------------------------------------------------------------------------------------


def task_create(
    *,
    engagement: Engagement,
    title: str,
    specification: str,
    actor: User | None = None,
    at: datetime | None = None,
    **fields,
) -> Task:
    """Create a draft task and its first event."""
    occurred_at = at or timezone.now()
    with transaction.atomic():
        task = Task(
            engagement=engagement, title=title, specification=specification, created_by=actor, **fields
        )
        task.full_clean()
        task.save()
        if at is not None:
            if occurred_at > timezone.now() + FUTURE_TOLERANCE:
                raise ApplicationError("A task cannot be created in the future.")
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
        raise ApplicationError(f"Unknown status “{to}”.")
    with transaction.atomic():
        locked = (
            Task.objects.select_for_update(of=("self",))
            .select_related("engagement__client", "engagement__provider", "assignee")
            .get(pk=task.pk)
        )
        roles = engagement_roles(actor, locked.engagement)
        if not roles and not is_operator(actor):
            raise PermissionDenied("You do not have access to this task.")
        allowed = task_transition_allowed_roles(from_status=locked.status, to_status=to)
        if allowed is None:
            nexts = (
                ", ".join(str(TaskStatus(s).label) for s in TASK_TRANSITIONS.get(locked.status, {})) or "none"
            )
            raise IllegalTransition(
                f"A task cannot go from “{TaskStatus(locked.status).label}” to “{TaskStatus(to).label}”. "
                f"Allowed next: {nexts}.",
                extra={"allowed": list(TASK_TRANSITIONS.get(locked.status, {}))},
            )
        if not _may_act(actor=actor, task=locked, allowed=allowed, roles=roles):
            raise PermissionDenied(
                f"Your role may not move a task from “{TaskStatus(locked.status).label}” "
                f"to “{TaskStatus(to).label}”."
            )
        if version != locked.version:
            raise StaleVersion(
                f"This task changed since you loaded it (you had version {version}, it is now "
                f"version {locked.version}). Reload it and try again.",
                extra={"current_version": locked.version},
            )
        now = timezone.now()
        occurred_at = at or now
        if occurred_at > now + FUTURE_TOLERANCE:
            raise ApplicationError("An event cannot be dated in the future.")
        last_event_at = locked.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        if last_event_at is not None and occurred_at < last_event_at:
            raise ApplicationError("An event cannot be dated before the task's previous event.")

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
        locked = (
            Task.objects.select_for_update(of=("self",))
            .select_related("engagement__client", "engagement__provider", "assignee")
            .get(pk=task.pk)
        )
        roles = engagement_roles(actor, locked.engagement)
        if Role.PROVIDER_MANAGER not in roles and not is_operator(actor):
            raise PermissionDenied("Only the provider's manager may assign tasks.")
        if assignee is not None and assignee.provider_id != locked.engagement.provider_id:
            raise ApplicationError(f"{assignee.full_name} does not work for {locked.engagement.provider}.")
        if version != locked.version:
            raise StaleVersion(
                "This task changed since you loaded it. Reload it and try again.",
                extra={"current_version": locked.version},
            )
        previous = locked.assignee.full_name if locked.assignee else ""
        locked.assignee = assignee
        locked.version += 1
        locked.save(update_fields=["assignee", "version", "updated_at"])
        TaskEvent.objects.create(
            task=locked,
            kind=TaskEventKind.ASSIGNMENT,
            actor=actor,
            occurred_at=timezone.now(),
            from_status=locked.status,
            to_status=locked.status,
            from_value=previous,
            to_value=assignee.full_name if assignee else "",
            task_version=locked.version,
        )
        audit_record(
            actor=actor,
            action="task.assigned",
            obj=locked,
            changes={"from": previous, "to": assignee.full_name if assignee else ""},
        )
    task.assignee, task.version = locked.assignee, locked.version
    return task


def task_set_priority(*, task: Task, priority: str, actor: User, version: int, note: str = "") -> Task:
    """Change a task's priority: its SLA clocks keep the time used and pauses; only the budget changes."""
    if priority not in Priority.values:
        raise ApplicationError(f"Unknown priority {priority!r}; use one of {', '.join(Priority.values)}.")
    with transaction.atomic():
        locked = (
            Task.objects.select_for_update(of=("self",))
            .select_related("engagement__client", "engagement__provider")
            .get(pk=task.pk)
        )
        roles = engagement_roles(actor, locked.engagement)
        if not (
            roles & {Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE}
            or is_operator(actor)
        ):
            raise PermissionDenied(
                "Only the client or the engagement's executive consultant sets priorities."
            )
        if version != locked.version:
            raise StaleVersion(
                "This task changed since you loaded it. Reload it and try again.",
                extra={"current_version": locked.version},
            )
        if priority == locked.priority:
            return locked
        previous = locked.priority
        locked.priority, locked.version = priority, locked.version + 1
        locked.save(update_fields=["priority", "version", "updated_at"])
        TaskEvent.objects.create(
            task=locked,
            kind=TaskEventKind.PRIORITY,
            actor=actor,
            occurred_at=timezone.now(),
            from_status=locked.status,
            to_status=locked.status,
            from_value=previous,
            to_value=priority,
            note=note,
            task_version=locked.version,
        )
        audit_record(
            actor=actor,
            action="task.priority_changed",
            obj=locked,
            changes={"from": previous, "to": priority},
        )
        _recompute_clocks_on_commit(locked.pk)
    task.priority, task.version = locked.priority, locked.version
    return task


def review_submit(
    *,
    task: Task,
    reviewer: User,
    accuracy_score: Decimal,
    outcome: str,
    version: int,
    findings: str = "",
    defects: dict[str, int] | None = None,
    at: datetime | None = None,
) -> QualityReview:
    """An SME reviews a delivered task: the review and the resulting transition (accept or rework)
    are written together or not at all."""
    if outcome not in ReviewOutcome.values:
        raise ApplicationError(f"Unknown review outcome {outcome!r}.")
    try:
        accuracy_score = Decimal(str(accuracy_score))
    except InvalidOperation:
        raise ApplicationError("The accuracy score must be a number between 0 and 100.") from None
    if not (Decimal(0) <= accuracy_score <= Decimal(100)):
        raise ApplicationError("The accuracy score must be between 0 and 100.")
    defects = defects or {}
    unknown = sorted(set(defects) - set(DefectType.values))
    if unknown:
        raise ApplicationError(f"Unknown defect type(s): {', '.join(unknown)}.")
    if any(not isinstance(count, int) or count < 0 for count in defects.values()):
        raise ApplicationError("Defect counts must be whole numbers of zero or more.")
    target = TaskStatus.ACCEPTED if outcome == ReviewOutcome.ACCEPTED else TaskStatus.REWORK_REQUESTED
    reviewed_at = at or timezone.now()
    with transaction.atomic():
        task_transition(
            task=task, to=target, actor=reviewer, version=version, note=findings[:500], at=reviewed_at
        )
        review = QualityReview.objects.create(
            task=task,
            reviewer=reviewer,
            accuracy_score=accuracy_score,
            findings=findings,
            outcome=outcome,
            reviewed_at=reviewed_at,
        )
        ReviewDefect.objects.bulk_create(
            [
                ReviewDefect(review=review, defect_type=kind, count=count)
                for kind, count in (defects or {}).items()
                if count
            ]
        )
        audit_record(
            actor=reviewer,
            action="review.submitted",
            obj=review,
            changes={"accuracy_score": str(accuracy_score), "outcome": outcome},
        )
        sampling_record_review(engagement_id=task.engagement_id, outcome=outcome, at=reviewed_at)
    return review


def comment_add(*, engagement: Engagement, author: User, body: str, task: Task | None = None) -> Comment:
    body = body.strip()
    if not body:
        raise ApplicationError("A comment cannot be empty.")
    if not engagement_roles(author, engagement) and not is_operator(author):
        raise PermissionDenied("You do not take part in this engagement.")
    if task is not None and task.engagement_id != engagement.pk:
        raise ApplicationError("That task belongs to another engagement.")
    with transaction.atomic():
        return Comment.objects.create(engagement=engagement, task=task, author=author, body=body)


def time_entry_log(
    *, task: Task, team_member: TeamMember, work_date, hours: Decimal, actor: User, note: str = ""
) -> TimeEntry:
    """Log effort on a task, priced at the provider's rate card in force on that day for the member's role."""
    hours = Decimal(hours)
    if not (Decimal("0") < hours <= Decimal("24")):
        raise ApplicationError("Hours must be more than 0 and at most 24.")
    engagement = task.engagement
    if team_member.provider_id != engagement.provider_id:
        raise ApplicationError(f"{team_member.full_name} does not work for {engagement.provider}.")
    roles = engagement_roles(actor, engagement)
    own_entry = team_member.user_id == actor.pk and Role.PROVIDER_ANALYST in roles
    if not (Role.PROVIDER_MANAGER in roles or own_entry or is_operator(actor)):
        raise PermissionDenied("Only the provider's manager or the team member may log effort.")
    rate = (
        RateCardEntry.objects.filter(
            rate_card__provider_id=engagement.provider_id,
            role=team_member.role,
            rate_card__valid_from__lte=work_date,
        )
        .filter(Q(rate_card__valid_until__isnull=True) | Q(rate_card__valid_until__gt=work_date))
        .select_related("rate_card")
        .order_by("-rate_card__valid_from")
        .first()
    )
    if rate is None:
        raise ApplicationError(
            f"{engagement.provider} has no rate card for “{team_member.get_role_display()}” on {work_date}."
        )
    with transaction.atomic():
        entry = TimeEntry.objects.create(
            task=task,
            team_member=team_member,
            work_date=work_date,
            hours=hours,
            hourly_rate=rate.hourly_rate,
            currency=rate.rate_card.currency,
            note=note,
        )
        audit_record(
            actor=actor,
            action="time_entry.logged",
            obj=entry,
            changes={"hours": str(hours), "rate": str(rate.hourly_rate)},
        )
    return entry
