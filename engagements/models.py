"""Clients, engagements and the work inside them: tasks, events, deliverables, comments, reviews, effort."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from kpo.accounts.models import validate_time_zone
from kpo.core.fields import country_field, currency_check, currency_field, money_field
from kpo.core.models import KpoModel, TimeStampedModel
from kpo.core.urls import reverse_id
from sla.choices import Priority

from .choices import (
    ConsultantRole,
    DefectType,
    EngagementStatus,
    ReviewOutcome,
    TaskEventKind,
    TaskStatus,
    TaskType,
)


class Client(TimeStampedModel):
    """A company that outsources knowledge work."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="client"
    )
    name = models.CharField(max_length=200, unique=True)
    industry = models.CharField(max_length=100, blank=True)
    country = country_field()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    in_house_hourly_cost = money_field(
        "in-house hourly cost", help_text="What an hour of this work costs in house."
    )
    currency = currency_field()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(in_house_hourly_cost__gte=0), name="client_cost_non_negative"),
            currency_check("currency", "client_currency_iso"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientContact(KpoModel):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["client", "full_name"]
        constraints = [models.UniqueConstraint(fields=["client", "email"], name="clientcontact_unique_email")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client})"


class Engagement(TimeStampedModel):
    """A client's outsourced scope delivered by one provider under an SLA, with consultants attached."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="engagements")
    title = models.CharField(max_length=200)
    service_line = models.ForeignKey(
        "providers.ServiceLine", on_delete=models.PROTECT, related_name="engagements"
    )
    scope = models.TextField(help_text="What is in scope, and what is not.")
    expected_outcomes = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    budget = money_field("budget")
    currency = currency_field()
    is_proof_of_concept = models.BooleanField("proof of concept", default=False)
    status = models.CharField(
        max_length=16, choices=EngagementStatus.choices, default=EngagementStatus.PROPOSED
    )
    sla = models.ForeignKey(
        "sla.SLA", null=True, blank=True, on_delete=models.PROTECT, related_name="engagements"
    )
    consultants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EngagementConsultant",
        related_name="consulted_engagements",
        blank=True,
    )

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["client", "title"], name="engagement_unique_title_per_client"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="engagement_dates_order",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="engagement_budget_non_negative"),
            models.CheckConstraint(
                condition=Q(status__in=EngagementStatus.values), name="engagement_status_valid"
            ),
            currency_check("currency", "engagement_currency_iso"),
        ]
        indexes = [
            models.Index(fields=["client", "status"], name="engagement_client_status_idx"),
            models.Index(fields=["provider", "status"], name="engagement_provider_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse_id("engagements:detail", self.pk)


class EngagementUserObjectPermission(UserObjectPermissionBase):
    """guardian object permission on an engagement for one user (attached consultants), by direct FK."""

    content_object = models.ForeignKey(Engagement, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="engagement_uperm_user_idx")]


class EngagementGroupObjectPermission(GroupObjectPermissionBase):
    """guardian object permission on an engagement for an organisation's group, by direct FK."""

    content_object = models.ForeignKey(Engagement, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission"], name="engagement_gperm_group_idx")]


class EngagementConsultant(KpoModel):
    """A consultant explicitly attached to an engagement in one capacity."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="consultant_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement_links"
    )
    role = models.CharField(max_length=16, choices=ConsultantRole.choices)
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["engagement", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "user", "role"], name="engagementconsultant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.engagement}"


class Task(TimeStampedModel):
    """A scoped unit of work; its status moves only through engagements.services.task_transition."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    specification = models.TextField()
    acceptance_criteria = models.TextField(blank=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    task_type = models.CharField(max_length=20, choices=TaskType.choices, default=TaskType.RESEARCH)
    contractual_due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        "providers.TeamMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    estimated_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    # The SLA measuring this task, chosen deterministically when it is released (see sla.services).
    sla = models.ForeignKey("sla.SLA", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    sla_reason = models.CharField(max_length=200, blank=True, help_text="Why this SLA was chosen.")
    # Optimistic concurrency: a write names the version it saw; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="task_priority_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
            models.CheckConstraint(
                condition=Q(estimated_hours__isnull=True) | Q(estimated_hours__gt=0),
                name="task_estimate_positive",
            ),
        ]
        indexes = [
            # Counts and board keys by (engagement, status), read from the index alone.
            models.Index(
                fields=["engagement", "status"],
                include=["priority", "created_at", "updated_at"],
                name="task_engagement_status_idx",
            ),
            models.Index(fields=["assignee", "status"], name="task_assignee_status_idx"),
            models.Index(fields=["engagement", "-created_at"], name="task_engagement_recent_idx"),
            # The engagement page's task list and activity (latest updated first), read in index order.
            models.Index(fields=["engagement", "-updated_at", "-id"], name="task_engagement_updated_idx"),
            # Board columns, read in their display order: open ones by urgency, closed ones latest first.
            models.Index(fields=["status", "priority", "created_at", "id"], name="task_board_open_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], name="task_board_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse_id("engagements:task-detail", self.pk)


class TaskEvent(KpoModel):
    """One change of a task (status, priority or assignee): who, when, from, to, note. Clocks derive from these."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=TaskEventKind.choices, default=TaskEventKind.STATUS)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices)
    from_value = models.CharField(max_length=100, blank=True, help_text="Previous priority or assignee.")
    to_value = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    task_version = models.PositiveIntegerField(help_text="The task's version after this event.")

    class Meta:
        ordering = ["task", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "task_version"], name="taskevent_unique_version"),
            models.CheckConstraint(
                condition=~Q(kind=TaskEventKind.STATUS) | ~Q(from_status=F("to_status")),
                name="taskevent_status_changes",
            ),
        ]
        # A task's history in order, readable from the index alone (clock recomputes read nothing else).
        indexes = [
            models.Index(
                fields=["task", "occurred_at", "id"],
                include=["kind", "to_status"],
                name="taskevent_history_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status or '∅'} → {self.to_status} at {self.occurred_at:%Y-%m-%d %H:%M}"


def deliverable_upload_to(instance: "Deliverable", filename: str) -> str:
    # Server-generated names: the uploader's file name is kept in original_name only.
    return f"deliverables/{instance.task_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


class Deliverable(KpoModel):
    """A file or a link attached to a task delivery."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="deliverables")
    file = models.FileField(upload_to=deliverable_upload_to, blank=True)
    url = models.URLField(blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "-uploaded_at"]
        constraints = [
            # Exactly one of a file or a link.
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="deliverable_file_xor_url",
            ),
            models.CheckConstraint(
                condition=Q(file="") | Q(size_bytes__gt=0), name="deliverable_file_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.url


class Comment(KpoModel):
    """A message on an engagement, optionally about one of its tasks."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="comments")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty")]
        indexes = [
            models.Index(fields=["engagement", "created_at"], name="comment_engagement_idx"),
            models.Index(fields=["task", "created_at"], name="comment_task_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class QualityReview(KpoModel):
    """A client SME's review of a delivered (sampled) task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accuracy_score = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    findings = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accuracy_score__gte=0) & Q(accuracy_score__lte=100), name="review_accuracy_range"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="review_outcome_valid"
            ),
        ]
        indexes = [models.Index(fields=["task", "-reviewed_at"], name="review_task_idx")]

    def __str__(self) -> str:
        return f"Review of {self.task_id}: {self.accuracy_score} ({self.outcome})"


class ReviewDefect(KpoModel):
    """A defect found in a review, by type."""

    review = models.ForeignKey(QualityReview, on_delete=models.CASCADE, related_name="defects")
    defect_type = models.CharField(max_length=24, choices=DefectType.choices)
    count = models.PositiveSmallIntegerField(default=1)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "defect_type"], name="reviewdefect_unique_type"),
            models.CheckConstraint(condition=Q(count__gte=1), name="reviewdefect_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_defect_type_display()} ×{self.count}"


class TimeEntry(KpoModel):
    """Effort logged on a task by a team member, priced at the rate card in force (a snapshot)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="time_entries")
    team_member = models.ForeignKey(
        "providers.TeamMember", on_delete=models.PROTECT, related_name="time_entries"
    )
    work_date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    hourly_rate = money_field("hourly rate")
    currency = currency_field()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-work_date", "-id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="timeentry_hours_range"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="timeentry_rate_non_negative"),
            currency_check("currency", "timeentry_currency_iso"),
        ]
        indexes = [models.Index(fields=["task", "work_date"], name="timeentry_task_idx")]

    def __str__(self) -> str:
        return f"{self.team_member.full_name}: {self.hours} h on {self.work_date}"

    @property
    def amount(self):
        return (self.hours * self.hourly_rate).quantize(self.hourly_rate)
