"""Report API: list and read reports, ask for a render (202 + a URL to poll), list versions, download PDFs.

Every queryset starts from reports.selectors, so another tenant's report is a 404, as on the pages.
"""

import json

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from ..selectors import report_for_page, report_list_for, versions_visible_to
from ..services import report_render_request
from .serializers import (
    RenderAcceptedSerializer,
    ReportDetailSerializer,
    ReportSerializer,
    ReportVersionSerializer,
)

NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="The version number (1, 2, …).")


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; errors still come out as JSON text."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


@extend_schema_view(
    list=extend_schema(summary="Reports you may read", tags=["reports"]),
    retrieve=extend_schema(summary="One report with its findings and recommendations", tags=["reports"]),
)
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Recommendation reports: the engagement's consultants see all, the client's people the published ones."""

    serializer_class = ReportSerializer
    filterset_fields = ["engagement", "status"]
    schema_error_codes = ["409"]

    def get_queryset(self):
        return report_list_for(self.request.user)

    def get_object(self):
        report = (
            report_for_page(self.request.user, self.kwargs["pk"])
            if str(self.kwargs["pk"]).isdigit()
            else None
        )
        if report is None:
            from django.http import Http404

            raise Http404(_("No report matches the given query."))
        return report

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action == "retrieve" else ReportSerializer

    @extend_schema(
        summary="Generate the PDF (asynchronously)",
        description="Snapshots the report's content on a new version and queues its render. Answers 202 "
        "with the version and the URL to poll; while a render is already queued or under way, that one "
        "is returned (`created` false). Only the engagement's consultants may ask.",
        request=None,
        responses={202: RenderAcceptedSerializer},
        tags=["reports"],
    )
    @action(detail=True, methods=["post"])
    def render(self, request, pk=None):
        report = self.get_object()
        version, created = report_render_request(report=report, actor=request.user)
        poll_url = reverse("api:report-version-detail", args=[report.pk, version.number])
        body = {"created": created, "poll_url": poll_url, "version": ReportVersionSerializer(version).data}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": poll_url})

    @extend_schema(
        summary="Rendered versions of a report, newest first",
        responses={200: ReportVersionSerializer(many=True)},
        tags=["reports"],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        report = self.get_object()
        return Response(ReportVersionSerializer(versions_visible_to(request.user, report), many=True).data)

    @extend_schema(
        summary="One rendered version (poll it for status)",
        parameters=[NUMBER],
        responses={200: ReportVersionSerializer},
        tags=["reports"],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)",
        url_name="version-detail",
        filter_backends=[],
    )
    def version_detail(self, request, pk=None, number=None):
        report = self.get_object()
        version = get_object_or_404(versions_visible_to(request.user, report), number=number)
        return Response(ReportVersionSerializer(version).data)

    @extend_schema(
        summary="Download a ready version's PDF",
        parameters=[NUMBER],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF file."),
        },
        tags=["reports"],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)/pdf",
        url_name="version-pdf",
        renderer_classes=[JSONRenderer, PdfRenderer],
        filter_backends=[],
    )
    def version_pdf(self, request, pk=None, number=None):
        report = self.get_object()
        version = get_object_or_404(
            versions_visible_to(request.user, report).filter(status="ready"), number=number
        )
        return pdf_response(version)


def pdf_response(version) -> FileResponse:
    """The version's PDF as an attachment, never cached by shared caches."""
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=f"report-{version.report_id}-v{version.number}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = version.content_sha256
    return response
