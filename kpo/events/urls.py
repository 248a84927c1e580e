from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.notification_mark_all_read, name="notifications-read"),
    path("<int:pk>/read/", views.notification_mark_read_one, name="notification-read"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/new/", views.webhook_create, name="webhook-create"),
    path("webhooks/<int:pk>/", views.webhook_deliveries, name="webhook-deliveries"),
    path("webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="webhook-rotate-secret"),
    path("webhooks/<int:pk>/test/", views.webhook_send_test, name="webhook-test"),
    path(
        "webhooks/deliveries/<int:pk>/resend/",
        views.webhook_delivery_resend_view,
        name="webhook-delivery-resend",
    ),
]
