"""Routes of this app under /api/v1/ (kpo/api_urls.py mounts them)."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/token/", views.MeTokenView.as_view(), name="me-token"),
]
