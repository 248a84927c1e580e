"""Every write to reports: authoring (report, findings, recommendations, branding) and rendering."""

from .authoring import (
    branding_set,
    finding_create,
    finding_delete,
    finding_update,
    recommendation_create,
    recommendation_delete,
    recommendation_update,
    report_create,
    report_update,
)
from .render import (
    report_render_request,
    report_renders_recover,
    report_version_fail,
    report_version_render,
)

__all__ = [
    "branding_set",
    "finding_create",
    "finding_delete",
    "finding_update",
    "recommendation_create",
    "recommendation_delete",
    "recommendation_update",
    "report_create",
    "report_render_request",
    "report_renders_recover",
    "report_update",
    "report_version_fail",
    "report_version_render",
]
