"""URLs of the JSON API, included e.g. as
``path("api/notifications/", include("django_notification_system.api.urls"))``.

``schema/`` serves the OpenAPI description of these endpoints (paths relative to where
they are included).
"""

from django.urls import path
from rest_framework.renderers import JSONOpenAPIRenderer
from rest_framework.schemas import get_schema_view

from . import preference_views, views, webpush_views

app_name = "django_notification_system_api"

endpoints = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/counts/", views.CountsView.as_view(), name="inbox-counts"),
    path("inbox/mark-all-read/", views.MarkAllReadView.as_view(), name="inbox-mark-all-read"),
    path("inbox/mark-seen/", views.MarkSeenView.as_view(), name="inbox-mark-seen"),
    path("inbox/<uuid:pk>/read/", views.MarkReadView.as_view(), name="inbox-read"),
    path("inbox/<uuid:pk>/unread/", views.MarkUnreadView.as_view(), name="inbox-unread"),
    path("inbox/<uuid:pk>/archive/", views.ArchiveView.as_view(), name="inbox-archive"),
    path("preferences/", preference_views.PreferencesView.as_view(), name="preferences"),
    path(
        "webpush/subscriptions/",
        webpush_views.WebPushSubscriptionsView.as_view(),
        name="webpush-subscriptions",
    ),
]

urlpatterns = [
    *endpoints,
    path(
        "schema/",
        get_schema_view(
            title="django-notification-system",
            description=(
                "The in-app inbox, notification preferences and Web Push subscriptions of "
                "the requesting user."
            ),
            patterns=endpoints,
            renderer_classes=[JSONOpenAPIRenderer],
        ),
        name="schema",
    ),
]
