"""Only this helper's API routes, for KPO_API_ISOLATED_URLS=1 runs while other apps' routes are in flux."""

from django.urls import include, path

api_patterns = [
    path("v1/", include("kpo.accounts.api.urls")),
    path("v1/", include("providers.api.urls")),
    path("v1/", include("engagements.api.urls")),
    path("v1/", include("sla.api.urls")),
]
urlpatterns = [path("api/", include((api_patterns, "api"))), path("", include("engagements.urls"))]
