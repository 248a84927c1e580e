from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("match/", views.provider_match, name="match"),
    path("<int:pk>/", views.provider_detail, name="detail"),
    path("candidates/", views.candidate_list, name="candidate-list"),
    path("candidates/new/", views.candidate_create, name="candidate-create"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate-detail"),
    path("candidates/<int:pk>/edit/", views.candidate_edit, name="candidate-edit"),
    path("candidates/<int:pk>/move/", views.candidate_move_view, name="candidate-move"),
    path("candidates/<int:pk>/hire/", views.candidate_hire_view, name="candidate-hire"),
    path("candidates/<int:pk>/resume/", views.candidate_resume, name="candidate-resume"),
]
