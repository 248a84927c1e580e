"""Engagement API shapes: output serializers present, input serializers check shape; services decide."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpo.core.api import StrictSerializer, iso_datetime
from providers.models import ServiceLine, TeamMember
from sla.choices import Priority

from ..choices import DefectType, EngagementStatus, ReviewOutcome, TaskStatus, TaskType
from ..filters import engagement_health
from ..models import (
    Client,
    Comment,
    Deliverable,
    Engagement,
    QualityReview,
    Task,
    TaskEvent,
    TimeEntry,
)

# --- small nested shapes -------------------------------------------------------------------------


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)


def _user_ref(user):
    return {"id": user.pk, "full_name": user.full_name or user.email} if user is not None else None


# --- clients and engagements ---------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "industry", "country", "time_zone", "currency", "in_house_hourly_cost"]
        read_only_fields = fields


class EngagementSerializer(serializers.ModelSerializer):
    client = NamedRefSerializer(read_only=True)
    provider = NamedRefSerializer(read_only=True)
    service_line = NamedRefSerializer(read_only=True)
    sla = NamedRefSerializer(read_only=True, allow_null=True)
    health = serializers.SerializerMethodField(
        help_text=_("green, amber (something at risk) or red (a KPI or an open task's clock breached).")
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "title",
            "client",
            "provider",
            "service_line",
            "status",
            "scope",
            "expected_outcomes",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "is_proof_of_concept",
            "sla",
            "health",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["green", "amber", "red"]))
    def get_health(self, engagement) -> str:
        return engagement_health(engagement)


class EngagementCreateSerializer(StrictSerializer):
    client = serializers.IntegerField(help_text=_("A client id you work with."))
    provider = serializers.IntegerField(help_text=_("A provider id from the directory."))
    service_line = serializers.PrimaryKeyRelatedField(queryset=ServiceLine.objects.all())
    title = serializers.CharField(max_length=200)
    scope = serializers.CharField()
    expected_outcomes = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text=_("ISO 4217 code, e.g. EUR."))
    is_proof_of_concept = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if attrs.get("end_date") and attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": [_("The end date cannot precede the start date.")]}
            )
        return attrs


class EngagementStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=EngagementStatus.choices)


class EngagementTermsSerializer(StrictSerializer):
    """The terms an executive changes after creation (only the fields sent change), and the SLA in force."""

    title = serializers.CharField(max_length=200, required=False)
    scope = serializers.CharField(required=False)
    expected_outcomes = serializers.CharField(required=False, allow_blank=True)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False)
    is_proof_of_concept = serializers.BooleanField(required=False)
    sla = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_(
            "An SLA id (a shared SLA or one scoped to this engagement), or null for none. Changing it "
            "re-measures every task's clock in the background, keeping the time already used."
        ),
    )


# --- tasks ---------------------------------------------------------------------------------------


class AssigneeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class TaskSerializer(serializers.ModelSerializer):
    """A task as listed and read. `to_representation` is written out by hand: lists of 500 tasks are the
    API's hottest path and the generic field-by-field walk costs several times the query."""

    engagement_title = serializers.CharField(source="engagement.title", read_only=True)
    assignee = AssigneeRefSerializer(read_only=True, allow_null=True)
    etag = serializers.SerializerMethodField(help_text=_("The value to send back in If-Match."))
    url = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "url",
            "engagement",
            "engagement_title",
            "title",
            "status",
            "priority",
            "task_type",
            "assignee",
            "contractual_due_at",
            "estimated_hours",
            "version",
            "etag",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_etag(self, task) -> str:
        return f'"{task.pk}-{task.version}"'

    def get_url(self, task) -> str:
        return reverse("api:task-detail", args=[task.pk])

    def to_representation(self, task):
        assignee = task.assignee
        due = task.contractual_due_at
        hours = task.estimated_hours
        field = self.fields["created_at"]
        return {
            "id": task.pk,
            "url": f"/api/v1/tasks/{task.pk}/",
            "engagement": task.engagement_id,
            "engagement_title": task.engagement.title,
            "title": task.title,
            "status": task.status,
            "priority": task.priority,
            "task_type": task.task_type,
            "assignee": {"id": assignee.pk, "full_name": assignee.full_name}
            if assignee is not None
            else None,
            "contractual_due_at": field.to_representation(due) if due is not None else None,
            "estimated_hours": str(hours) if hours is not None else None,
            "version": task.version,
            "etag": f'"{task.pk}-{task.version}"',
            "created_at": field.to_representation(task.created_at),
            "updated_at": field.to_representation(task.updated_at),
        }


TASK_ROW_FIELDS = (
    "id",
    "engagement_id",
    "engagement__title",
    "title",
    "status",
    "priority",
    "task_type",
    "assignee_id",
    "assignee__full_name",
    "contractual_due_at",
    "estimated_hours",
    "version",
    "created_at",
    "updated_at",
)


def task_row(row: dict, tz=None) -> dict:
    """A `.values(*TASK_ROW_FIELDS)` row in TaskSerializer's shape (the list endpoint's fast path).
    `tz`: the zone datetimes are written in (default: the active one, as DateTimeField does)."""
    tz = tz or timezone.get_current_timezone()
    pk, hours = row["id"], row["estimated_hours"]
    return {
        "id": pk,
        "url": f"/api/v1/tasks/{pk}/",
        "engagement": row["engagement_id"],
        "engagement_title": row["engagement__title"],
        "title": row["title"],
        "status": row["status"],
        "priority": row["priority"],
        "task_type": row["task_type"],
        "assignee": (
            {"id": row["assignee_id"], "full_name": row["assignee__full_name"]}
            if row["assignee_id"] is not None
            else None
        ),
        "contractual_due_at": iso_datetime(row["contractual_due_at"], tz),
        "estimated_hours": str(hours) if hours is not None else None,
        "version": row["version"],
        "etag": f'"{pk}-{row["version"]}"',
        "created_at": iso_datetime(row["created_at"], tz),
        "updated_at": iso_datetime(row["updated_at"], tz),
    }


class TaskDetailSerializer(TaskSerializer):
    """One task with its text, its SLA and what the caller may do next."""

    allowed_transitions = serializers.SerializerMethodField(
        help_text=_("The statuses the caller may move the task to now.")
    )
    sla = NamedRefSerializer(read_only=True, allow_null=True)

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + [
            "specification",
            "acceptance_criteria",
            "sla",
            "sla_reason",
            "allowed_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=TaskStatus.choices)))
    def get_allowed_transitions(self, task) -> list[str]:
        from ..services import task_transitions_available

        request = self.context.get("request")
        return task_transitions_available(task=task, actor=request.user) if request else []

    def to_representation(self, task):
        data = super().to_representation(task)
        data.update(
            specification=task.specification,
            acceptance_criteria=task.acceptance_criteria,
            sla={"id": task.sla_id, "name": task.sla.name} if task.sla_id else None,
            sla_reason=task.sla_reason,
            allowed_transitions=self.get_allowed_transitions(task),
        )
        return data


class TaskCreateSerializer(StrictSerializer):
    engagement = serializers.IntegerField(help_text=_("An engagement you take part in."))
    title = serializers.CharField(max_length=200)
    specification = serializers.CharField()
    acceptance_criteria = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
    task_type = serializers.ChoiceField(choices=TaskType.choices, default=TaskType.RESEARCH)
    contractual_due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    estimated_hours = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
    )


class TaskUpdateSerializer(StrictSerializer):
    """PATCH: the fields a service changes (priority, assignee); each change is an event."""

    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A team member id of the provider, or null.")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs):
        if "priority" not in attrs and "assignee" not in attrs:
            raise serializers.ValidationError(_("Send a priority, an assignee, or both."))
        return attrs


class TaskTransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=TaskStatus.choices, help_text=_("The status to move to."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TaskAssignSerializer(StrictSerializer):
    assignee = serializers.IntegerField(
        allow_null=True, help_text=_("A team member id of the provider, or null.")
    )


class TaskPrioritySerializer(StrictSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TaskEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    from_status = serializers.ChoiceField(
        choices=TaskStatus.choices, allow_blank=True, read_only=True, help_text=_("Empty on the first event.")
    )

    class Meta:
        model = TaskEvent
        fields = [
            "id",
            "task",
            "kind",
            "actor",
            "occurred_at",
            "from_status",
            "to_status",
            "from_value",
            "to_value",
            "note",
            "task_version",
        ]
        read_only_fields = fields

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_actor(self, event):
        return _user_ref(event.actor)


# --- work on tasks -------------------------------------------------------------------------------


class DeliverableSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text=_("The link delivered, or empty for a file."))
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(help_text=_("Where to fetch the file (files only)."))

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "task",
            "url",
            "original_name",
            "content_type",
            "size_bytes",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_uploaded_by(self, deliverable):
        return _user_ref(deliverable.uploaded_by)

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, deliverable) -> str | None:
        if not deliverable.file:
            return None
        return reverse("api:deliverable-download", args=[deliverable.pk])


class DeliverableCreateSerializer(StrictSerializer):
    task = serializers.IntegerField()
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        use_url=False,
        help_text=_("PDF, DOCX, XLSX, PPTX, CSV/plain text, PNG or JPEG (multipart)."),
    )
    url = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "engagement", "task", "author", "body", "created_at"]
        read_only_fields = fields

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_author(self, comment):
        return _user_ref(comment.author)


class CommentCreateSerializer(StrictSerializer):
    engagement = serializers.IntegerField(required=False, help_text=_("Required unless `task` is given."))
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    body = serializers.CharField(max_length=10000)

    def validate(self, attrs):
        if attrs.get("engagement") is None and attrs.get("task") is None:
            raise serializers.ValidationError({"engagement": [_("Name an engagement or a task.")]})
        return attrs


class ReviewDefectSerializer(serializers.Serializer):
    defect_type = serializers.ChoiceField(choices=DefectType.choices, read_only=True)
    count = serializers.IntegerField(read_only=True)


class QualityReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()
    defects = ReviewDefectSerializer(many=True, read_only=True)

    class Meta:
        model = QualityReview
        fields = ["id", "task", "reviewer", "accuracy_score", "findings", "outcome", "reviewed_at", "defects"]
        read_only_fields = fields

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_reviewer(self, review):
        return _user_ref(review.reviewer)


class QualityReviewCreateSerializer(StrictSerializer):
    task = serializers.IntegerField()
    task_version = serializers.IntegerField(
        min_value=1, help_text=_("The version of the delivered task you reviewed (its ETag's number).")
    )
    accuracy_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100")
    )
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    defects = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=1000),
        required=False,
        default=dict,
        help_text=_('Defect counts by type, e.g. {"factual_error": 1}.'),
    )

    def validate_defects(self, value):
        unknown = sorted(set(value) - set(DefectType.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown defect type(s): %(types)s. Known: %(known)s.")
                % {"types": ", ".join(unknown), "known": ", ".join(DefectType.values)}
            )
        return value


class TimeEntrySerializer(serializers.ModelSerializer):
    team_member = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "task",
            "team_member",
            "work_date",
            "hours",
            "hourly_rate",
            "currency",
            "amount",
            "note",
        ]
        read_only_fields = fields

    @extend_schema_field(AssigneeRefSerializer)
    def get_team_member(self, entry):
        return {"id": entry.team_member_id, "full_name": entry.team_member.full_name}


class TimeEntryCreateSerializer(StrictSerializer):
    task = serializers.IntegerField()
    team_member = serializers.IntegerField(
        required=False, help_text=_("Defaults to the caller's own team member row.")
    )
    work_date = serializers.DateField()
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("24")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


__all__ = [name for name in dir() if name.endswith("Serializer")] + ["TeamMember"]
