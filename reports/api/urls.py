"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = router.urls
