"""Provider directory shapes (read-only): service lines, certifications, rate cards, teams, consultants."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Certification, Consultant, Provider, RateCard, RateCardEntry, ServiceLine, TeamMember


class ServiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceLine
        fields = ["id", "code", "name", "description"]
        read_only_fields = fields


class CertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certification
        fields = ["id", "standard", "certificate_number", "issued_on", "expires_on"]
        read_only_fields = fields


class RateCardEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardEntry
        fields = ["role", "hourly_rate"]
        read_only_fields = fields


class RateCardSerializer(serializers.ModelSerializer):
    entries = RateCardEntrySerializer(many=True, read_only=True)

    class Meta:
        model = RateCard
        fields = ["id", "name", "currency", "valid_from", "valid_until", "entries"]
        read_only_fields = fields


class ProviderSerializer(serializers.ModelSerializer):
    website = serializers.CharField(read_only=True, help_text=_("The provider's site, or empty."))
    service_lines = ServiceLineSerializer(many=True, read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "country",
            "time_zone",
            "languages",
            "headcount",
            "description",
            "website",
            "service_lines",
            "certifications",
        ]
        read_only_fields = fields


class ProviderDetailSerializer(ProviderSerializer):
    rate_cards = RateCardSerializer(many=True, read_only=True)

    class Meta(ProviderSerializer.Meta):
        fields = ProviderSerializer.Meta.fields + ["rate_cards"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeamMember
        fields = ["id", "provider", "full_name", "role", "skills", "languages", "is_active"]
        read_only_fields = fields


class ConsultantSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    service_lines = ServiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Consultant
        fields = ["id", "full_name", "email", "headline", "bio", "service_lines"]
        read_only_fields = fields
