"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

from rest_framework.routers import SimpleRouter

from .views import NotificationViewSet, WebhookDeliveryViewSet, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("webhook-subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
