from django.urls import path

from ..views import scoping as views

urlpatterns = [
    path("engagements/new/", views.engagement_create_view, name="create"),
    path("engagements/<int:pk>/terms/", views.engagement_terms_view, name="terms"),
    path("engagements/<int:pk>/tasks/new/", views.task_create_view, name="task-create"),
]
