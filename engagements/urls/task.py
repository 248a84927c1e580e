from django.urls import path

from ..views import task as views

urlpatterns = [
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/transition/", views.task_transition_view, name="task-transition"),
]
