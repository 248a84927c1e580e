"""Engagement API: thin viewsets over the selectors (reads) and the services (writes).

Every queryset starts from a selector, so an object of another tenant is a 404 exactly as on the pages.
Task writes carry the task's ETag in If-Match (optimistic concurrency, enforced by the services).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from kpo.accounts.choices import Role
from kpo.accounts.selectors import is_operator, user_roles
from kpo.core.api import if_match_version, version_etag
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.core.pagination import NewestFirstCursorPagination
from providers.selectors import providers_visible_to, team_members_visible_to
from sla.models import SLA
from sla.selectors import task_clock_views, with_clocks
from sla.services import engagement_set_sla

from ..choices import EngagementStatus
from ..filters import (
    ClientFilter,
    CommentFilter,
    DeliverableFilter,
    EngagementFilter,
    QualityReviewFilter,
    TaskEventFilter,
    TaskFilter,
    TimeEntryFilter,
    with_health,
)
from ..selectors import (
    clients_visible_to,
    comments_visible_to,
    deliverables_visible_to,
    engagement_list_for,
    engagement_roles,
    engagements_visible_to,
    reviews_visible_to,
    task_events_visible_to,
    tasks_visible_to,
    time_entries_visible_to,
)
from ..services import (
    comment_add,
    deliverable_add,
    engagement_create,
    engagement_roles_may_change_terms,
    engagement_set_status,
    engagement_update_terms,
    review_submit,
    task_assign,
    task_create,
    task_set_priority,
    task_transition,
    time_entry_log,
)
from . import serializers as s

ID = r"[0-9]{1,18}"
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=_('The task\'s ETag from your last read, e.g. "42-3". Missing: 428; stale: 412.'),
)
TASK_EXAMPLE = {
    "id": 42,
    "url": "/api/v1/tasks/42/",
    "engagement": 7,
    "engagement_title": "Peer benchmarking",
    "title": "Q3 filings summary",
    "status": "in_progress",
    "priority": "P2",
    "task_type": "research",
    "assignee": {"id": 3, "full_name": "Arjun Analyst"},
    "contractual_due_at": None,
    "estimated_hours": "6.00",
    "version": 3,
    "etag": '"42-3"',
    "created_at": "2025-06-02T09:15:00Z",
    "updated_at": "2025-06-03T11:40:00Z",
}
TASK_DETAIL_EXAMPLE = {
    **TASK_EXAMPLE,
    "specification": "Summarise the last four quarterly filings.",
    "acceptance_criteria": "Every figure sourced.",
    "sla": {"id": 2, "name": "Prism standard SLA"},
    "sla_reason": "The engagement's SLA in force on 2025-06-02.",
    "allowed_transitions": ["on_hold", "delivered"],
}
ENGAGEMENT_EXAMPLE = {
    "id": 7,
    "title": "Peer benchmarking",
    "client": {"id": 1, "name": "Northwind Bank"},
    "provider": {"id": 2, "name": "Prism Analytics"},
    "service_line": {"id": 1, "name": "Financial analysis and research"},
    "status": "active",
    "scope": "Quarterly financial analysis of the client's listed peers.",
    "expected_outcomes": "",
    "start_date": "2025-01-06",
    "end_date": None,
    "budget": "120000.00",
    "currency": "EUR",
    "is_proof_of_concept": False,
    "sla": {"id": 2, "name": "Prism standard SLA"},
    "health": "amber",
    "created_at": "2025-01-02T10:00:00Z",
    "updated_at": "2025-06-01T08:00:00Z",
}


def _list_example(name: str, item: dict, *, cursor: bool = False) -> OpenApiExample:
    page = (
        {"next": "https://kpo.example/api/v1/tasks/?cursor=cD0xMjM%3D", "previous": None, "results": [item]}
        if cursor
        else {"count": 1, "next": None, "previous": None, "results": [item]}
    )
    return OpenApiExample(name, value=page, response_only=True, status_codes=["200"])


def _example(name: str, value: dict, *, request: bool = False, code: str = "200") -> OpenApiExample:
    if request:
        return OpenApiExample(name, value=value, request_only=True)
    return OpenApiExample(name, value=value, response_only=True, status_codes=[code])


def _visible_or_400(queryset, pk, field: str, noun: str):
    """An object named in a request body, through a selector: unknown or not yours is a field error."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ValidationError(
            {field: [_("No %(noun)s with id %(id)s that you can see.") % {"noun": noun, "id": pk}]}
        )
    return obj


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose queryset is `selector(request.user)`; ids in the URL are digits only."""

    lookup_value_regex = ID
    selector = None

    def base_queryset(self):
        return type(self).selector(self.request.user)


# --- clients -------------------------------------------------------------------------------------

CLIENT_EXAMPLE = {
    "id": 1,
    "name": "Northwind Bank",
    "industry": "Banking",
    "country": "IE",
    "time_zone": "Europe/Dublin",
    "currency": "EUR",
    "in_house_hourly_cost": "95.00",
}


@extend_schema_view(
    list=extend_schema(
        summary="Clients you work with", examples=[_list_example("Clients", CLIENT_EXAMPLE)], tags=["clients"]
    ),
    retrieve=extend_schema(
        summary="One client", examples=[_example("Client", CLIENT_EXAMPLE)], tags=["clients"]
    ),
)
class ClientViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.ClientSerializer
    filterset_class = ClientFilter
    ordering_fields = ["name", "id"]
    ordering = ["name"]
    selector = staticmethod(clients_visible_to)

    def get_queryset(self):
        return self.base_queryset()


# --- engagements ---------------------------------------------------------------------------------

ENGAGEMENT_CREATORS = frozenset({Role.CONSULTANT_EXECUTIVE})


@extend_schema_view(
    list=extend_schema(
        summary="Engagements you take part in",
        description=_("Filter by `q`, `status`, `provider`, `service_line` and `health` (green/amber/red)."),
        examples=[_list_example("Engagements", ENGAGEMENT_EXAMPLE)],
        tags=["engagements"],
    ),
    retrieve=extend_schema(
        summary="One engagement", examples=[_example("Engagement", ENGAGEMENT_EXAMPLE)], tags=["engagements"]
    ),
)
class EngagementViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.EngagementSerializer
    filterset_class = EngagementFilter
    ordering_fields = ["title", "start_date", "status", "created_at", "id"]
    selector = staticmethod(engagement_list_for)
    schema_error_codes = ["409"]

    def get_queryset(self):
        return with_health(self.base_queryset())

    @extend_schema(
        summary="Propose an engagement (executive consultants)",
        description=_(
            "Creates a proposed engagement between a client you work with and a provider of the directory, "
            "and attaches you as its executive consultant."
        ),
        request=s.EngagementCreateSerializer,
        responses={201: s.EngagementSerializer},
        examples=[
            _example(
                "New engagement",
                {
                    "client": 1,
                    "provider": 2,
                    "service_line": 1,
                    "title": "Covenant monitoring",
                    "scope": "Monthly covenant checks for the loan book.",
                    "start_date": "2025-07-01",
                    "budget": "45000.00",
                    "currency": "EUR",
                },
                request=True,
            ),
            _example("Created", {**ENGAGEMENT_EXAMPLE, "status": "proposed", "health": "green"}, code="201"),
        ],
        tags=["engagements"],
    )
    def create(self, request):
        user = request.user
        if not (is_operator(user) or user_roles(user) & ENGAGEMENT_CREATORS):
            raise PermissionDenied(_("Only executive consultants propose engagements."))
        data = self._validated(s.EngagementCreateSerializer, request.data)
        client = _visible_or_400(clients_visible_to(user), data.pop("client"), "client", _("client"))
        provider = _visible_or_400(
            providers_visible_to(user), data.pop("provider"), "provider", _("provider")
        )
        # The service attaches a creating executive to the engagement in the same transaction.
        engagement = engagement_create(client=client, provider=provider, actor=user, **data)
        created = self.get_queryset().get(pk=engagement.pk)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an engagement's lifecycle status (executive consultants)",
        request=s.EngagementStatusSerializer,
        responses={200: s.EngagementSerializer},
        examples=[
            _example("Activate", {"status": "active"}, request=True),
            _example("Activated", ENGAGEMENT_EXAMPLE),
        ],
        tags=["engagements"],
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        engagement = self.get_object()
        data = self._validated(s.EngagementStatusSerializer, request.data)
        engagement_roles_may_change_terms(engagement=engagement, actor=request.user)
        engagement_set_status(engagement=engagement, status=data["status"], actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=engagement.pk)).data)

    @extend_schema(
        summary="Change an engagement's terms and SLA (executive consultants)",
        description=_(
            "Only the fields sent change. Terms and SLA change together or not at all; a new SLA re-measures "
            "every task's clock in the background (see the engagement page for progress)."
        ),
        request=s.EngagementTermsSerializer,
        responses={200: s.EngagementSerializer},
        examples=[
            _example(
                "Extend and raise the budget", {"end_date": "2026-06-30", "budget": "60000.00"}, request=True
            ),
            _example("Changed", ENGAGEMENT_EXAMPLE),
        ],
        tags=["engagements"],
    )
    @action(detail=True, methods=["patch"], url_path="terms")
    def terms(self, request, pk=None):
        engagement = self.get_object()
        data = self._validated(s.EngagementTermsSerializer, request.data)
        sla_given = "sla" in data
        sla_id = data.pop("sla", None)
        engagement_roles_may_change_terms(engagement=engagement, actor=request.user)
        sla = None
        if sla_given and sla_id is not None:
            sla = SLA.objects.filter(Q(engagement__isnull=True) | Q(engagement=engagement), pk=sla_id).first()
            if sla is None:
                raise ValidationError({"sla": [_("No SLA with this id applies to this engagement.")]})
        try:
            with transaction.atomic():
                updated = engagement_update_terms(engagement=engagement, actor=request.user, **data)
                if sla_given and sla_id != updated.sla_id:
                    engagement_set_sla(engagement=updated, sla=sla, actor=request.user)
        except DjangoValidationError as invalid:
            raise ValidationError(
                invalid.message_dict if hasattr(invalid, "error_dict") else invalid.messages
            ) from invalid
        return Response(self.get_serializer(self.get_queryset().get(pk=engagement.pk)).data)

    def _validated(self, serializer_class, data):
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


# --- tasks ---------------------------------------------------------------------------------------

TASK_CREATORS = frozenset({Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN, Role.CONSULTANT_EXECUTIVE})
CLOSED_ENGAGEMENTS = frozenset({EngagementStatus.COMPLETED, EngagementStatus.TERMINATED})

CLOCK_EXAMPLE = {
    "kind": "resolution",
    "kind_label": "Resolution",
    "state": "running",
    "state_label": "Running",
    "elapsed_seconds": 14400,
    "target_seconds": 57600,
    "paused_seconds": 0,
    "used_percent": 25,
    "remaining_seconds": 43200,
    "due_at": "2025-06-05T11:30:00Z",
    "started_at": "2025-06-02T09:15:00Z",
    "stopped_at": None,
}


class ClockViewSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    elapsed_seconds = serializers.IntegerField(help_text=_("Business seconds used, live."))
    target_seconds = serializers.IntegerField(allow_null=True)
    paused_seconds = serializers.IntegerField()
    used_percent = serializers.IntegerField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)


@extend_schema_view(
    list=extend_schema(
        summary="Tasks you may see (cursor pages, newest first)",
        description=_(
            "Filter by `engagement`, `status`, `priority`, `assignee` (an id or `none`) and `q`; order by "
            "`id`, `created_at` or `updated_at` (prefix `-` for descending); `page_size` up to 500."
        ),
        examples=[_list_example("Tasks", TASK_EXAMPLE, cursor=True)],
        tags=["tasks"],
    ),
    retrieve=extend_schema(
        summary="One task, with its ETag",
        responses={200: s.TaskDetailSerializer},
        examples=[_example("Task", TASK_DETAIL_EXAMPLE)],
        tags=["tasks"],
    ),
)
class TaskViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    pagination_class = NewestFirstCursorPagination
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]
    selector = staticmethod(tasks_visible_to)
    schema_error_codes = ["409", "412", "428"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = self.base_queryset().select_related("engagement", "assignee")
        if self.action != "list":
            queryset = queryset.select_related("engagement__client", "engagement__provider", "sla")
        return queryset

    def get_serializer_class(self):
        return s.TaskSerializer if self.action == "list" else s.TaskDetailSerializer

    def list(self, request):
        # The hottest path of the API: rows as dicts straight from `.values()` (no model instances), shaped
        # by s.task_row into exactly what TaskSerializer documents. Cursor pagination accepts dicts.
        queryset = self.filter_queryset(self.get_queryset()).values(*s.TASK_ROW_FIELDS)
        page = self.paginate_queryset(queryset)
        tz = timezone.get_current_timezone()
        return self.get_paginated_response([s.task_row(row, tz) for row in page])

    def _respond(self, task, *, code=status.HTTP_200_OK):
        fresh = self.get_queryset().filter(pk=task.pk).first() or task
        response = Response(
            s.TaskDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )
        response["ETag"] = version_etag(fresh)
        return response

    def retrieve(self, request, pk=None):
        return self._respond(self.get_object())

    @extend_schema(
        summary="Create a draft task (client side or executive consultant)",
        request=s.TaskCreateSerializer,
        responses={201: s.TaskDetailSerializer},
        examples=[
            _example(
                "New task",
                {
                    "engagement": 7,
                    "title": "Q3 filings summary",
                    "specification": "Summarise the last four quarterly filings.",
                    "priority": "P2",
                },
                request=True,
            ),
            _example("Created", {**TASK_DETAIL_EXAMPLE, "status": "draft", "version": 1}, code="201"),
        ],
        tags=["tasks"],
    )
    def create(self, request):
        serializer = s.TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        engagement = _visible_or_400(
            engagements_visible_to(request.user).select_related("client", "provider"),
            data.pop("engagement"),
            "engagement",
            _("engagement"),
        )
        if not (is_operator(request.user) or engagement_roles(request.user, engagement) & TASK_CREATORS):
            raise PermissionDenied(
                _("Only the client or the engagement's executive consultant creates tasks.")
            )
        if engagement.status in CLOSED_ENGAGEMENTS:
            raise ApplicationError(_("This engagement is closed; it takes no new tasks."))
        task = task_create(
            engagement=engagement,
            title=data.pop("title"),
            specification=data.pop("specification"),
            actor=request.user,
            **data,
        )
        return self._respond(task, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change priority and/or assignee (If-Match required)",
        parameters=[IF_MATCH],
        request=s.TaskUpdateSerializer,
        responses={200: s.TaskDetailSerializer},
        examples=[
            _example("Escalate and assign", {"priority": "P1", "assignee": 3}, request=True),
            _example("Updated", {**TASK_DETAIL_EXAMPLE, "priority": "P1", "version": 5, "etag": '"42-5"'}),
        ],
        tags=["tasks"],
    )
    def partial_update(self, request, pk=None):
        task = self.get_object()
        version = if_match_version(request, task)
        serializer = s.TaskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "assignee" in data:
                task = task_assign(
                    task=task, assignee=self._member(data["assignee"]), actor=request.user, version=version
                )
                version = task.version
            if "priority" in data:
                task = task_set_priority(
                    task=task,
                    priority=data["priority"],
                    actor=request.user,
                    version=version,
                    note=data["note"],
                )
        return self._respond(task)

    def _member(self, member_id):
        if member_id is None:
            return None
        return _visible_or_400(
            team_members_visible_to(self.request.user), member_id, "assignee", _("team member")
        )

    @extend_schema(
        summary="Move a task to another status (If-Match required)",
        description=_(
            "Legal moves and who may make them: see `allowed_transitions` on the task. An illegal move is a "
            "409 naming the allowed ones; a stale If-Match a 412; none a 428."
        ),
        parameters=[IF_MATCH],
        request=s.TaskTransitionSerializer,
        responses={200: s.TaskDetailSerializer},
        examples=[
            _example("Start work", {"to": "in_progress", "note": "Picked up by Arjun"}, request=True),
            _example("Moved", {**TASK_DETAIL_EXAMPLE, "version": 4, "etag": '"42-4"'}),
        ],
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        task = self.get_object()
        version = if_match_version(request, task)
        serializer = s.TaskTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_transition(
            task=task,
            to=serializer.validated_data["to"],
            note=serializer.validated_data["note"],
            actor=request.user,
            version=version,
        )
        return self._respond(task)

    @extend_schema(
        summary="Assign a provider team member, or unassign with null (If-Match required)",
        parameters=[IF_MATCH],
        request=s.TaskAssignSerializer,
        responses={200: s.TaskDetailSerializer},
        examples=[
            _example("Assign", {"assignee": 3}, request=True),
            _example("Assigned", TASK_DETAIL_EXAMPLE),
        ],
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        version = if_match_version(request, task)
        serializer = s.TaskAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_assign(
            task=task,
            assignee=self._member(serializer.validated_data["assignee"]),
            actor=request.user,
            version=version,
        )
        return self._respond(task)

    @extend_schema(
        summary="Set a task's priority (If-Match required)",
        parameters=[IF_MATCH],
        request=s.TaskPrioritySerializer,
        responses={200: s.TaskDetailSerializer},
        examples=[
            _example("Escalate", {"priority": "P1", "note": "Board meeting moved"}, request=True),
            _example("Escalated", {**TASK_DETAIL_EXAMPLE, "priority": "P1"}),
        ],
        tags=["tasks"],
    )
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        task = self.get_object()
        version = if_match_version(request, task)
        serializer = s.TaskPrioritySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_set_priority(
            task=task,
            priority=serializer.validated_data["priority"],
            note=serializer.validated_data["note"],
            actor=request.user,
            version=version,
        )
        return self._respond(task)

    @extend_schema(
        summary="The task's SLA clocks, live (response, resolution, rework)",
        responses={200: ClockViewSerializer(many=True)},
        examples=[_example("Clocks", [CLOCK_EXAMPLE])],
        tags=["sla"],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def clocks(self, request, pk=None):
        task = self.get_object()
        task = with_clocks(self.get_queryset().filter(pk=task.pk)).select_related("sla__calendar").get()
        views = task_clock_views(task)
        data = [
            {
                **{
                    field: getattr(view, field)
                    for field in ClockViewSerializer().fields
                    if hasattr(view, field)
                },
                "used_percent": view.used_percent,
                "remaining_seconds": view.remaining_seconds,
            }
            for view in views
        ]
        return Response(ClockViewSerializer(data, many=True).data)


# --- task events ---------------------------------------------------------------------------------

EVENT_EXAMPLE = {
    "id": 901,
    "task": 42,
    "kind": "status",
    "actor": {"id": 5, "full_name": "Priya Manager"},
    "occurred_at": "2025-06-03T11:40:00Z",
    "from_status": "ready",
    "to_status": "in_progress",
    "from_value": "",
    "to_value": "",
    "note": "Picked up",
    "task_version": 3,
}


@extend_schema_view(
    list=extend_schema(
        summary="Task history events (cursor pages, newest first)",
        examples=[_list_example("Events", EVENT_EXAMPLE, cursor=True)],
        tags=["tasks"],
    ),
    retrieve=extend_schema(
        summary="One task event", examples=[_example("Event", EVENT_EXAMPLE)], tags=["tasks"]
    ),
)
class TaskEventViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.TaskEventSerializer
    filterset_class = TaskEventFilter
    pagination_class = NewestFirstCursorPagination
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-id"]
    selector = staticmethod(task_events_visible_to)

    def get_queryset(self):
        return self.base_queryset().select_related("actor")


# --- deliverables --------------------------------------------------------------------------------

DELIVERABLE_EXAMPLE = {
    "id": 12,
    "task": 42,
    "url": "",
    "original_name": "Q3 summary.pdf",
    "content_type": "application/pdf",
    "size_bytes": 183204,
    "sha256": "9f2c0b8e5d1a4c7e3b6f8a0d2e4c6b8a9f2c0b8e5d1a4c7e3b6f8a0d2e4c6b8a",
    "uploaded_by": {"id": 4, "full_name": "Arjun Analyst"},
    "uploaded_at": "2025-06-04T08:12:00Z",
    "download_url": "/api/v1/deliverables/12/download/",
}


@extend_schema_view(
    list=extend_schema(
        summary="Deliverables of tasks you may see",
        examples=[_list_example("Deliverables", DELIVERABLE_EXAMPLE)],
        tags=["deliverables"],
    ),
    retrieve=extend_schema(
        summary="One deliverable",
        examples=[_example("Deliverable", DELIVERABLE_EXAMPLE)],
        tags=["deliverables"],
    ),
)
class DeliverableViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.DeliverableSerializer
    filterset_class = DeliverableFilter
    ordering_fields = ["uploaded_at", "id"]
    ordering = ["-uploaded_at", "-id"]
    selector = staticmethod(deliverables_visible_to)
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return self.base_queryset().select_related("uploaded_by")

    def get_throttles(self):
        self.throttle_scope = "uploads" if self.action == "create" else None
        return super().get_throttles()

    @extend_schema(
        summary="Deliver a file (multipart) or a link (JSON) on a task (provider side)",
        description=_(
            "Files: PDF, DOCX, XLSX, PPTX, CSV or plain text, PNG, JPEG, judged by their content, at most "
            "KPO_MAX_UPLOAD_BYTES. The task must be in progress, in rework or delivered."
        ),
        request={
            "multipart/form-data": s.DeliverableCreateSerializer,
            "application/json": s.DeliverableCreateSerializer,
        },
        responses={201: s.DeliverableSerializer},
        examples=[
            _example("A link", {"task": 42, "url": "https://share.example.com/d/42"}, request=True),
            _example("Delivered", DELIVERABLE_EXAMPLE, code="201"),
        ],
        tags=["deliverables"],
    )
    def create(self, request):
        serializer = s.DeliverableCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = _visible_or_400(
            tasks_visible_to(request.user).select_related("engagement"), data["task"], "task", _("task")
        )
        deliverable = deliverable_add(task=task, actor=request.user, file=data.get("file"), url=data["url"])
        return Response(
            self.get_serializer(self.get_queryset().get(pk=deliverable.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Download a deliverable's file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description=_("The file, as uploaded.")
            )
        },
        tags=["deliverables"],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def download(self, request, pk=None):
        deliverable = self.get_object()
        if not deliverable.file:
            raise NotFound(_("This deliverable is a link, not a file: %(url)s") % {"url": deliverable.url})
        try:
            handle = deliverable.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("The file of this deliverable is missing from storage.")) from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=deliverable.original_name or deliverable.file.name.rsplit("/", 1)[-1],
            content_type=deliverable.content_type or "application/octet-stream",
        )


# --- comments ------------------------------------------------------------------------------------

COMMENT_EXAMPLE = {
    "id": 31,
    "engagement": 7,
    "task": 42,
    "author": {"id": 1, "full_name": "Alice Staff"},
    "body": "Please include the peer median.",
    "created_at": "2025-06-03T12:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="Comments on engagements and tasks you may see",
        examples=[_list_example("Comments", COMMENT_EXAMPLE)],
        tags=["comments"],
    ),
    retrieve=extend_schema(
        summary="One comment", examples=[_example("Comment", COMMENT_EXAMPLE)], tags=["comments"]
    ),
)
class CommentViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.CommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]
    selector = staticmethod(comments_visible_to)

    def get_queryset(self):
        return self.base_queryset().select_related("author")

    @extend_schema(
        summary="Comment on an engagement or one of its tasks",
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer},
        examples=[
            _example("On a task", {"task": 42, "body": "Please include the peer median."}, request=True),
            _example("Posted", COMMENT_EXAMPLE, code="201"),
        ],
        tags=["comments"],
    )
    def create(self, request):
        serializer = s.CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        task = None
        if data.get("task") is not None:
            task = _visible_or_400(
                tasks_visible_to(user).select_related("engagement"), data["task"], "task", _("task")
            )
        if data.get("engagement") is not None:
            engagement = _visible_or_400(
                engagements_visible_to(user).select_related("client", "provider"),
                data["engagement"],
                "engagement",
                _("engagement"),
            )
        else:
            engagement = task.engagement
        comment = comment_add(engagement=engagement, author=user, body=data["body"], task=task)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


# --- quality reviews -----------------------------------------------------------------------------

REVIEW_EXAMPLE = {
    "id": 5,
    "task": 42,
    "reviewer": {"id": 2, "full_name": "Sam Reviewer"},
    "accuracy_score": "92.50",
    "findings": "One source missing.",
    "outcome": "accepted",
    "reviewed_at": "2025-06-05T09:00:00Z",
    "defects": [{"defect_type": "missed_source", "count": 1}],
}


@extend_schema_view(
    list=extend_schema(
        summary="Quality reviews of tasks you may see",
        examples=[_list_example("Reviews", REVIEW_EXAMPLE)],
        tags=["reviews"],
    ),
    retrieve=extend_schema(
        summary="One review", examples=[_example("Review", REVIEW_EXAMPLE)], tags=["reviews"]
    ),
)
class QualityReviewViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.QualityReviewSerializer
    filterset_class = QualityReviewFilter
    ordering_fields = ["reviewed_at", "id"]
    ordering = ["-reviewed_at", "-id"]
    selector = staticmethod(reviews_visible_to)
    schema_error_codes = ["409", "412"]

    def get_queryset(self):
        return self.base_queryset().select_related("reviewer").prefetch_related("defects")

    @extend_schema(
        summary="Review a delivered task (client SME): accepts it or sends it back for rework",
        request=s.QualityReviewCreateSerializer,
        responses={201: s.QualityReviewSerializer},
        examples=[
            _example(
                "Accept",
                {
                    "task": 42,
                    "task_version": 5,
                    "accuracy_score": "92.5",
                    "outcome": "accepted",
                    "findings": "One source missing.",
                    "defects": {"missed_source": 1},
                },
                request=True,
            ),
            _example("Reviewed", REVIEW_EXAMPLE, code="201"),
        ],
        tags=["reviews"],
    )
    def create(self, request):
        serializer = s.QualityReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = _visible_or_400(
            tasks_visible_to(request.user).select_related("engagement"), data["task"], "task", _("task")
        )
        review = review_submit(
            task=task,
            reviewer=request.user,
            accuracy_score=data["accuracy_score"],
            outcome=data["outcome"],
            version=data["task_version"],
            findings=data["findings"],
            defects=data["defects"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=review.pk)).data, status=status.HTTP_201_CREATED
        )


# --- time entries --------------------------------------------------------------------------------

TIME_ENTRY_EXAMPLE = {
    "id": 77,
    "task": 42,
    "team_member": {"id": 3, "full_name": "Arjun Analyst"},
    "work_date": "2025-06-03",
    "hours": "3.50",
    "hourly_rate": "40.00",
    "currency": "EUR",
    "amount": "140.00",
    "note": "Filings extraction",
}


@extend_schema_view(
    list=extend_schema(
        summary="Effort logged on tasks you may see",
        examples=[_list_example("Time entries", TIME_ENTRY_EXAMPLE)],
        tags=["time entries"],
    ),
    retrieve=extend_schema(
        summary="One time entry", examples=[_example("Time entry", TIME_ENTRY_EXAMPLE)], tags=["time entries"]
    ),
)
class TimeEntryViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.TimeEntrySerializer
    filterset_class = TimeEntryFilter
    ordering_fields = ["work_date", "id"]
    ordering = ["-work_date", "-id"]
    selector = staticmethod(time_entries_visible_to)

    def get_queryset(self):
        return self.base_queryset().select_related("team_member")

    @extend_schema(
        summary="Log effort on a task (provider manager, or the team member themself)",
        request=s.TimeEntryCreateSerializer,
        responses={201: s.TimeEntrySerializer},
        examples=[
            _example(
                "Log",
                {"task": 42, "work_date": "2025-06-03", "hours": "3.5", "note": "Filings extraction"},
                request=True,
            ),
            _example("Logged", TIME_ENTRY_EXAMPLE, code="201"),
        ],
        tags=["time entries"],
    )
    def create(self, request):
        serializer = s.TimeEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        task = _visible_or_400(
            tasks_visible_to(user).select_related("engagement__provider"), data["task"], "task", _("task")
        )
        if data.get("team_member") is not None:
            member = _visible_or_400(
                team_members_visible_to(user), data["team_member"], "team_member", _("team member")
            )
        else:
            member = getattr(user, "team_member", None)
            if member is None:
                raise ValidationError({"team_member": [_("Name the team member whose effort this is.")]})
        entry = time_entry_log(
            task=task,
            team_member=member,
            work_date=data["work_date"],
            hours=data["hours"],
            actor=user,
            note=data["note"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_201_CREATED
        )
