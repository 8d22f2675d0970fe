"""Demo URLs: the admin, the provider webhooks, the JSON API and the inbox page."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("notifications/", include("django_notification_system.urls")),
    path("anymail/", include("django_notification_system.tracking.anymail_urls")),
    path("api/notifications/", include("django_notification_system.api.urls")),
    path("", include("demo.example.urls")),
]
