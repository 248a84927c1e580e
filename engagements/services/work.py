"""Writes about the work done: quality reviews, comments and effort."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from providers.models import RateCardEntry, TeamMember
from sla.sampling import sampling_record_review

from ..choices import (
    DefectType,
    ReviewOutcome,
    TaskStatus,
)
from ..models import (
    Comment,
    Engagement,
    QualityReview,
    ReviewDefect,
    Task,
    TimeEntry,
)
from ..selectors import engagement_roles
from .task import task_transition


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
        raise ApplicationError(_("Unknown review outcome %(outcome)r.") % {"outcome": outcome})
    try:
        accuracy_score = Decimal(str(accuracy_score))
    except InvalidOperation:
        raise ApplicationError(_("The accuracy score must be a number between 0 and 100.")) from None
    if not (Decimal(0) <= accuracy_score <= Decimal(100)):
        raise ApplicationError(_("The accuracy score must be between 0 and 100."))
    defects = defects or {}
    unknown = sorted(set(defects) - set(DefectType.values))
    if unknown:
        raise ApplicationError(_("Unknown defect type(s): %(types)s.") % {"types": ", ".join(unknown)})
    if any(not isinstance(count, int) or count < 0 for count in defects.values()):
        raise ApplicationError(_("Defect counts must be whole numbers of zero or more."))
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
        raise ApplicationError(_("A comment cannot be empty."))
    if not engagement_roles(author, engagement) and not is_operator(author):
        raise PermissionDenied(_("You do not take part in this engagement."))
    if task is not None and task.engagement_id != engagement.pk:
        raise ApplicationError(_("That task belongs to another engagement."))
    with transaction.atomic():
        return Comment.objects.create(engagement=engagement, task=task, author=author, body=body)


def time_entry_log(
    *, task: Task, team_member: TeamMember, work_date, hours: Decimal, actor: User, note: str = ""
) -> TimeEntry:
    """Log effort on a task, priced at the provider's rate card in force on that day for the member's role."""
    hours = Decimal(hours)
    if not (Decimal("0") < hours <= Decimal("24")):
        raise ApplicationError(_("Hours must be more than 0 and at most 24."))
    engagement = task.engagement
    if team_member.provider_id != engagement.provider_id:
        raise ApplicationError(
            _("%(member)s does not work for %(provider)s.")
            % {"member": team_member.full_name, "provider": engagement.provider}
        )
    roles = engagement_roles(actor, engagement)
    own_entry = team_member.user_id == actor.pk and Role.PROVIDER_ANALYST in roles
    if not (Role.PROVIDER_MANAGER in roles or own_entry or is_operator(actor)):
        raise PermissionDenied(_("Only the provider's manager or the team member may log effort."))
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
            _("%(provider)s has no rate card for “%(role)s” on %(date)s.")
            % {"provider": engagement.provider, "role": team_member.get_role_display(), "date": work_date}
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
