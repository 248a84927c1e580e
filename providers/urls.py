from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("<int:pk>/", views.provider_detail, name="detail"),
    path("candidates/", views.candidate_list, name="candidate-list"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate-detail"),
]
