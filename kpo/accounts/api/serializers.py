"""Who am I: the caller's identity, organisation and roles."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import Role


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    time_zone = serializers.CharField()
    language = serializers.CharField()
    is_operator = serializers.BooleanField()
    organisation = OrganisationRefSerializer(allow_null=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    team_member_id = serializers.IntegerField(
        allow_null=True, help_text=_("Your provider team member row (for time entries), if any.")
    )
    has_token = serializers.BooleanField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as `Authorization: Token <token>`. Shown once."))
    created = serializers.DateTimeField()
