"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("task-events", views.TaskEventViewSet, basename="task-event")
router.register("deliverables", views.DeliverableViewSet, basename="deliverable")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("reviews", views.QualityReviewViewSet, basename="review")
router.register("time-entries", views.TimeEntryViewSet, basename="time-entry")

urlpatterns = router.urls
