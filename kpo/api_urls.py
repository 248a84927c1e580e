"""/api/v1/: each app's routes, the OpenAPI schema and its interactive docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"
urlpatterns = [
    path("v1/", include("kpo.accounts.api.urls")),
    path("v1/", include("providers.api.urls")),
    path("v1/", include("engagements.api.urls")),
    path("v1/", include("sla.api.urls")),
    path("v1/", include("reports.api.urls")),
    path("v1/", include("kpo.events.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
