from django.urls import path

from . import views

app_name = "engagements"
urlpatterns = [
    path("engagements/<int:pk>/", views.engagement_detail, name="detail"),
    path("engagements/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/transition/", views.task_transition_view, name="task-transition"),
]
