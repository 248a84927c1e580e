"""Engagement and task statuses, and the task status machine, as data.

Pages, the API and tests all ask "what may happen next?" from TASK_TRANSITIONS.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kpo.accounts.choices import Role


class EngagementStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("engagement status", "Proposed")
    NEGOTIATING = "negotiating", pgettext_lazy("engagement status", "Negotiating")
    ACTIVE = "active", pgettext_lazy("engagement status", "Active")
    ON_HOLD = "on_hold", pgettext_lazy("engagement status", "On hold")
    COMPLETED = "completed", pgettext_lazy("engagement status", "Completed")
    TERMINATED = "terminated", pgettext_lazy("engagement status", "Terminated")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("task status", "Draft")
    READY = "ready", pgettext_lazy("task status", "Ready")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    ON_HOLD = "on_hold", pgettext_lazy("task status", "On hold")
    DELIVERED = "delivered", pgettext_lazy("task status", "Delivered")
    REWORK_REQUESTED = "rework_requested", pgettext_lazy("task status", "Rework requested")
    ACCEPTED = "accepted", pgettext_lazy("task status", "Accepted")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


class TaskType(models.TextChoices):
    RESEARCH = "research", _("Research")
    ANALYSIS = "analysis", _("Analysis")
    DOCUMENT_REVIEW = "document_review", _("Document review")
    DATA_REVIEW = "data_review", _("Data review")
    REPORT = "report", _("Report")


class TaskEventKind(models.TextChoices):
    STATUS = "status", _("Status change")
    PRIORITY = "priority", _("Priority change")
    ASSIGNMENT = "assignment", _("Assignment")


class ConsultantRole(models.TextChoices):
    EXECUTIVE = "executive", _("Executive")
    ANALYST = "analyst", _("Analyst")
    BROKER = "broker", _("Broker")
    RECRUITER = "recruiter", _("Recruiter")


class ReviewOutcome(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("review outcome", "Accepted")
    REWORK = "rework", pgettext_lazy("review outcome", "Rework requested")


class DefectType(models.TextChoices):
    FACTUAL_ERROR = "factual_error", _("Factual error")
    MISSED_SOURCE = "missed_source", _("Missed source")
    FORMATTING = "formatting", _("Formatting")
    LATE_CLARIFICATION = "late_clarification", _("Late clarification")
    INCOMPLETE = "incomplete", _("Incomplete against acceptance criteria")


S = TaskStatus
CLOSED_TASK_STATUSES = frozenset({S.ACCEPTED, S.CANCELLED})

# Who may move a task from one status to another. Operators (platform staff) may make any legal move.
# "assignee" means a provider analyst acting on a task assigned to them.
ASSIGNEE = "assignee"
_PROVIDER_WORK = frozenset({Role.PROVIDER_MANAGER, ASSIGNEE})
_CLIENT_RELEASE = frozenset(
    {Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE}
)
_CLIENT_REVIEW = frozenset({Role.CLIENT_SME, Role.CLIENT_ADMIN})
_CANCEL = frozenset({Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE})

TASK_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.DRAFT: {S.READY: _CLIENT_RELEASE, S.CANCELLED: _CANCEL | _CLIENT_RELEASE},
    S.READY: {S.IN_PROGRESS: _PROVIDER_WORK, S.CANCELLED: _CANCEL},
    S.IN_PROGRESS: {S.ON_HOLD: _PROVIDER_WORK, S.DELIVERED: _PROVIDER_WORK, S.CANCELLED: _CANCEL},
    S.ON_HOLD: {S.IN_PROGRESS: _PROVIDER_WORK, S.CANCELLED: _CANCEL},
    S.DELIVERED: {S.ACCEPTED: _CLIENT_REVIEW, S.REWORK_REQUESTED: _CLIENT_REVIEW, S.CANCELLED: _CANCEL},
    S.REWORK_REQUESTED: {S.IN_PROGRESS: _PROVIDER_WORK, S.CANCELLED: _CANCEL},
    S.ACCEPTED: {},
    S.CANCELLED: {},
}


def allowed_next_statuses(status: str) -> list[str]:
    return list(TASK_TRANSITIONS.get(status, {}))
