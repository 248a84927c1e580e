from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.notification_mark_all_read, name="notifications-read"),
]
