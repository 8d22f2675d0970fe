"""Fixtures for provider reports: sent notifications and a signal recorder."""

import pytest
from django.utils import timezone

from django_notification_system.models import Notification
from django_notification_system.signals import provider_report_applied
from tests import factories


def sent_notification(module_name: str, provider_message_id: str, username: str = "ada"):
    """A DELIVERED notification of ``module_name`` carrying the provider's id."""
    address = {"email": f"{username}@example.com", "twilio": "+15005550006"}.get(
        module_name, f"ExponentPushToken[{username}]"
    )
    rec = factories.record(factories.user(username), module_name, address=address)
    return factories.notification(
        rec,
        status=Notification.DELIVERED,
        attempted_delivery=timezone.now(),
        provider_message_id=provider_message_id,
    )


@pytest.fixture
def reports_applied():
    """Every provider_report_applied signal sent during the test, as kwargs dicts."""
    seen: list[dict] = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal", None)
        seen.append(kwargs)

    provider_report_applied.connect(receiver)
    yield seen
    provider_report_applied.disconnect(receiver)
