"""Engagement and task routes, one module per concern, under one namespace."""

from .engagement import urlpatterns as engagement_urlpatterns
from .scoping import urlpatterns as scoping_urlpatterns
from .task import urlpatterns as task_urlpatterns

app_name = "engagements"
urlpatterns = [*scoping_urlpatterns, *engagement_urlpatterns, *task_urlpatterns]
