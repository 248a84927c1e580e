"""Provider directory API (read-only), scoped by providers.selectors."""

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from engagements.models import EngagementConsultant
from engagements.selectors import visible_engagement_ids
from kpo.accounts.selectors import is_operator

from ..filters import ConsultantFilter, ProviderFilter, TeamMemberFilter
from ..models import Certification, Consultant, RateCard, RateCardEntry, ServiceLine
from ..selectors import may_browse_directory, providers_visible_to, team_members_visible_to
from . import serializers as s

ID = r"[0-9]{1,18}"

SERVICE_LINE = {
    "id": 1,
    "code": "financial-analysis",
    "name": "Financial analysis and research",
    "description": "",
}
PROVIDER = {
    "id": 2,
    "name": "Prism Analytics",
    "country": "IN",
    "time_zone": "Asia/Kolkata",
    "languages": "English, Hindi",
    "headcount": 120,
    "description": "Financial research from Pune.",
    "website": "https://prism.example",
    "service_lines": [SERVICE_LINE],
    "certifications": [
        {
            "id": 3,
            "standard": "iso27001",
            "certificate_number": "IS 123",
            "issued_on": "2024-01-01",
            "expires_on": "2027-01-01",
        }
    ],
}
PROVIDER_DETAIL = {
    **PROVIDER,
    "rate_cards": [
        {
            "id": 1,
            "name": "Prism 2025",
            "currency": "EUR",
            "valid_from": "2025-01-01",
            "valid_until": None,
            "entries": [{"role": "analyst", "hourly_rate": "40.00"}],
        }
    ],
}
TEAM_MEMBER = {
    "id": 3,
    "provider": 2,
    "full_name": "Arjun Analyst",
    "role": "analyst",
    "skills": "IFRS, Excel",
    "languages": "English",
    "is_active": True,
}
CONSULTANT = {
    "id": 1,
    "full_name": "Eve Executive",
    "email": "executive@meridian.example",
    "headline": "KPO sourcing lead",
    "bio": "",
    "service_lines": [SERVICE_LINE],
}


def _page(item):
    return OpenApiExample(
        "Page", value={"count": 1, "next": None, "previous": None, "results": [item]}, response_only=True
    )


def _one(item):
    return OpenApiExample("One", value=item, response_only=True)


def consultants_visible_to(user) -> QuerySet[Consultant]:
    """The directory's consultants for those who browse it; otherwise those attached to your engagements."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Consultant.objects.none()
    if is_operator(user) or may_browse_directory(user):
        return Consultant.objects.all()
    attached = EngagementConsultant.objects.filter(engagement_id__in=visible_engagement_ids(user)).values(
        "user_id"
    )
    return Consultant.objects.filter(Q(user_id__in=attached) | Q(user=user))


@extend_schema_view(
    list=extend_schema(summary="Service lines", examples=[_page(SERVICE_LINE)], tags=["providers"]),
    retrieve=extend_schema(summary="One service line", examples=[_one(SERVICE_LINE)], tags=["providers"]),
)
class ServiceLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalogue of service lines (not tenant data)."""

    serializer_class = s.ServiceLineSerializer
    queryset = ServiceLine.objects.order_by("name")
    lookup_value_regex = ID
    ordering_fields = ["name", "id"]


@extend_schema_view(
    list=extend_schema(
        summary="Providers you may see (the whole directory for brokers, executives and recruiters)",
        examples=[_page(PROVIDER)],
        tags=["providers"],
    ),
    retrieve=extend_schema(
        summary="One provider, with its rate cards",
        responses={200: s.ProviderDetailSerializer},
        examples=[_one(PROVIDER_DETAIL)],
        tags=["providers"],
    ),
)
class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = ProviderFilter
    lookup_value_regex = ID
    ordering_fields = ["name", "country", "headcount", "id"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = providers_visible_to(self.request.user).prefetch_related(
            "service_lines", Prefetch("certifications", queryset=Certification.objects.order_by("standard"))
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "rate_cards",
                    queryset=RateCard.objects.order_by("-valid_from").prefetch_related(
                        Prefetch("entries", queryset=RateCardEntry.objects.order_by("role"))
                    ),
                )
            )
        return queryset

    def get_serializer_class(self):
        return s.ProviderDetailSerializer if self.action == "retrieve" else s.ProviderSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Provider team members you may see", examples=[_page(TEAM_MEMBER)], tags=["providers"]
    ),
    retrieve=extend_schema(summary="One team member", examples=[_one(TEAM_MEMBER)], tags=["providers"]),
)
class TeamMemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TeamMemberSerializer
    filterset_class = TeamMemberFilter
    lookup_value_regex = ID
    ordering_fields = ["full_name", "id"]
    ordering = ["full_name", "id"]

    def get_queryset(self):
        return team_members_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Consultants you may see", examples=[_page(CONSULTANT)], tags=["providers"]),
    retrieve=extend_schema(summary="One consultant", examples=[_one(CONSULTANT)], tags=["providers"]),
)
class ConsultantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ConsultantSerializer
    filterset_class = ConsultantFilter
    lookup_value_regex = ID
    ordering_fields = ["id"]
    ordering = ["user__full_name", "id"]

    def get_queryset(self):
        return (
            consultants_visible_to(self.request.user).select_related("user").prefetch_related("service_lines")
        )
