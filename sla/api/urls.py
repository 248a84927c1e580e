"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("calendars", views.BusinessCalendarViewSet, basename="calendar")
router.register("slas", views.SLAViewSet, basename="sla")
router.register("task-clocks", views.TaskClockViewSet, basename="task-clock")
router.register("kpi-snapshots", views.KpiSnapshotViewSet, basename="kpi-snapshot")

urlpatterns = router.urls
