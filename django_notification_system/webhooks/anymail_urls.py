"""Kept for ``include("django_notification_system.webhooks.anymail_urls")``: the guarded
anymail URLs now live in :mod:`django_notification_system.tracking.anymail_urls`."""

from ..tracking.anymail_urls import urlpatterns

__all__ = ["urlpatterns"]
