"""/api/v1/me/: who the caller is; /api/v1/me/token/: (re)create their API token."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import is_operator, user_organisation, user_roles
from ..services import token_rotate
from .serializers import MeSerializer, TokenSerializer

ME_EXAMPLE = {
    "id": 4,
    "email": "manager@prism.example",
    "full_name": "Priya Manager",
    "time_zone": "Asia/Kolkata",
    "language": "en",
    "is_operator": False,
    "organisation": {"id": 2, "name": "Prism Analytics", "kind": "provider"},
    "roles": ["provider_manager"],
    "team_member_id": None,
    "has_token": True,
}


class MeView(APIView):
    @extend_schema(
        summary="Who am I: identity, organisation, roles",
        responses={200: MeSerializer},
        examples=[OpenApiExample("Me", value=ME_EXAMPLE, response_only=True)],
        tags=["me"],
    )
    def get(self, request):
        user = request.user
        organisation = user_organisation(user)
        member = getattr(user, "team_member", None) if hasattr(user, "team_member") else None
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "time_zone": user.time_zone,
            "language": user.language,
            "is_operator": is_operator(user),
            "organisation": (
                {"id": organisation.pk, "name": organisation.name, "kind": organisation.kind}
                if organisation is not None
                else None
            ),
            "roles": sorted(user_roles(user)),
            "team_member_id": member.pk if member is not None else None,
            "has_token": Token.objects.filter(user=user).exists(),
        }
        return Response(MeSerializer(data).data)


class MeTokenView(APIView):
    @extend_schema(
        summary="(Re)create my API token",
        description=_("The previous token stops working at once. The key is shown only in this response."),
        request=None,
        responses={201: TokenSerializer},
        examples=[
            OpenApiExample(
                "New token",
                value={
                    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
                    "created": "2025-06-01T10:00:00Z",
                },
                response_only=True,
                status_codes=["201"],
            )
        ],
        tags=["me"],
    )
    def post(self, request):
        token = token_rotate(user=request.user)
        return Response(
            TokenSerializer({"token": token.key, "created": token.created}).data,
            status=status.HTTP_201_CREATED,
        )
