"""URLs of django-notification-system: include them to receive provider webhooks.

path("notifications/", include("django_notification_system.urls"))
"""

from django.urls import path

from .tracking.twilio_callbacks import twilio_status_callback

app_name = "django_notification_system"

urlpatterns = [
    path("twilio/status/", twilio_status_callback, name="twilio-status-callback"),
]
