"""URLs of django-notification-system: provider webhooks, the preferences page and the
one-click unsubscribe links of categorised emails. Include them once:

path("notifications/", include("django_notification_system.urls"))
"""

from django.urls import path

from .preferences.views import preferences_page, unsubscribe
from .tracking.twilio_callbacks import twilio_status_callback

app_name = "django_notification_system"

urlpatterns = [
    path("twilio/status/", twilio_status_callback, name="twilio-status-callback"),
    path("preferences/", preferences_page, name="preferences"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
