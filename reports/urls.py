from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("brand.css", views.brand_stylesheet, name="brand-css"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/branding/", views.branding_edit, name="branding"),
    path("<int:pk>/findings/", views.finding_add, name="finding-add"),
    path("<int:pk>/findings/<int:finding_id>/", views.finding_edit, name="finding-edit"),
    path("<int:pk>/findings/<int:finding_id>/delete/", views.finding_delete, name="finding-delete"),
    path("<int:pk>/recommendations/", views.recommendation_add, name="recommendation-add"),
    path(
        "<int:pk>/recommendations/<int:recommendation_id>/",
        views.recommendation_edit,
        name="recommendation-edit",
    ),
    path(
        "<int:pk>/recommendations/<int:recommendation_id>/delete/",
        views.recommendation_delete,
        name="recommendation-delete",
    ),
    path("<int:pk>/render/", views.report_render, name="render"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/preview/", views.report_preview, name="preview"),
    path("<int:pk>/versions/<int:number>/preview/", views.version_preview, name="version-preview"),
    path("<int:pk>/versions/<int:number>/pdf/", views.version_pdf, name="version-pdf"),
]
