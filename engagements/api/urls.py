"""Routes of this app under /api/v1/ (a SimpleRouter; kpo/api_urls.py mounts them)."""

urlpatterns: list = []
