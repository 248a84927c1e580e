"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("service-lines", views.ServiceLineViewSet, basename="service-line")
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("team-members", views.TeamMemberViewSet, basename="team-member")
router.register("consultants", views.ConsultantViewSet, basename="consultant")

urlpatterns = router.urls
