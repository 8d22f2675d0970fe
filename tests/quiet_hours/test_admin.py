"""The admin for notification user settings: list, search, and validation on save."""

from datetime import time

import pytest
from django.urls import reverse

from django_notification_system.models import NotificationUserSettings
from django_notification_system.quiet_hours import set_quiet_hours
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@x.com", "pw"))
    return client


def test_changelist_lists_and_searches_by_user(staff_client):
    set_quiet_hours(factories.user("ada"), "22:00", "07:00", timezone="Australia/Sydney")
    set_quiet_hours(factories.user("bob"), None, None, timezone="Europe/London")
    url = reverse("admin:django_notification_system_notificationusersettings_changelist")
    page = staff_client.get(url, {"q": "ada"}).content.decode()
    assert "ada</a>" in page
    assert "bob</a>" not in page


def _add(staff_client, user, **fields):
    url = reverse("admin:django_notification_system_notificationusersettings_add")
    data = {"user": user.pk, "timezone": "UTC", "quiet_hours_start": "", "quiet_hours_end": ""}
    return staff_client.post(url, {**data, **fields})


def test_add_form_saves_a_valid_window(staff_client):
    user = factories.user("ada")
    response = _add(
        staff_client,
        user,
        timezone="America/New_York",
        quiet_hours_start="21:30",
        quiet_hours_end="06:45",
    )
    assert response.status_code == 302
    row = NotificationUserSettings.objects.get(user=user)
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "America/New_York",
        time(21, 30),
        time(6, 45),
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Narnia/Cair_Paravel"}, "is not an IANA time zone"),
        ({"quiet_hours_start": "22:00"}, "both the start and the end"),
    ],
)
def test_add_form_refuses_bad_settings_by_name(staff_client, fields, message):
    response = _add(staff_client, factories.user("ada"), **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NotificationUserSettings.objects.exists()


def test_notifications_are_found_by_their_exact_cancel_key(staff_client):
    record = factories.record()
    factories.notification(record, title="Reminder A", cancel_key="order-1")
    factories.notification(record, title="Reminder B", cancel_key="order-12")
    url = reverse("admin:django_notification_system_notification_changelist")
    page = staff_client.get(url, {"q": "order-1"}).content.decode()
    assert "Reminder A" in page
    assert "Reminder B" not in page
