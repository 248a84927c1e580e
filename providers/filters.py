"""One FilterSet per list, used by the pages and the API alike (pass `request=`)."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from engagements.filters import IdFilter

from .choices import CertificationStandard, StaffRole
from .models import Certification, Consultant, Provider, ServiceLine, TeamMember


class ProviderFilter(filters.FilterSet):
    """Provider directory: free text, service line, country and a certification valid today."""

    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Words in the name or description.")
    )
    service_line = filters.ModelChoiceFilter(
        field_name="service_lines", queryset=ServiceLine.objects.all(), label=_("Service line")
    )
    country = filters.CharFilter(field_name="country", label=_("Country (ISO code)"))
    certification = filters.ChoiceFilter(
        choices=CertificationStandard.choices,
        method="filter_certification",
        label=_("Certified (valid today)"),
    )

    class Meta:
        model = Provider
        fields = ["q", "service_line", "country", "certification"]

    def filter_q(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(Q(name__icontains=word) | Q(description__icontains=word))
        return queryset

    def filter_certification(self, queryset, name, value):
        today = timezone.localdate()
        valid = Certification.objects.filter(
            provider=OuterRef("pk"), standard=value, issued_on__lte=today, expires_on__gt=today
        )
        return queryset.filter(Exists(valid))


class TeamMemberFilter(filters.FilterSet):
    provider = IdFilter(field_name="provider_id", label=_("Provider"))
    role = filters.ChoiceFilter(choices=StaffRole.choices, label=_("Role"))
    is_active = filters.BooleanFilter(label=_("Active"))
    q = filters.CharFilter(field_name="full_name", lookup_expr="icontains", label=_("Name contains"))

    class Meta:
        model = TeamMember
        fields = ["provider", "role", "is_active", "q"]


class ConsultantFilter(filters.FilterSet):
    service_line = filters.ModelChoiceFilter(
        field_name="service_lines", queryset=ServiceLine.objects.all(), label=_("Service line")
    )
    q = filters.CharFilter(field_name="user__full_name", lookup_expr="icontains", label=_("Name contains"))

    class Meta:
        model = Consultant
        fields = ["service_line", "q"]
