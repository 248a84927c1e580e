from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "KPO Desk administration"
admin.site.site_title = "KPO Desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("kpo.accounts.urls")),
    path("", include("engagements.urls")),
    path("", include("sla.urls")),
    path("providers/", include("providers.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("kpo.events.urls")),
    path("api/", include("kpo.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
