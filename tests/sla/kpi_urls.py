"""The project's URLs plus sla.urls, for tests of the SLA exports until kpo/urls.py includes them."""

from django.urls import URLResolver, include, path

from kpo.urls import urlpatterns as project_urlpatterns

_wired = any(isinstance(p, URLResolver) and p.namespace == "sla" for p in project_urlpatterns)
urlpatterns = [*project_urlpatterns, *([] if _wired else [path("", include("sla.urls"))])]
