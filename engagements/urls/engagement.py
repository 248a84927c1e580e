from django.urls import path

from ..views import engagement as views

urlpatterns = [
    path("engagements/", views.engagement_list, name="list"),
    path("engagements/<int:pk>/", views.engagement_detail, name="detail"),
    path("engagements/<int:pk>/comments/", views.comment_create, name="comment-create"),
]
