"""The admin lists and filters preference rows, and filters notifications by category."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_notification_system.notification_creators import email
from django_notification_system.preferences import set_preference
from tests import factories

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("admin:django_notification_system_notificationpreference_changelist")
NOTIFICATIONS = reverse("admin:django_notification_system_notification_changelist")


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


def listed(response) -> list[tuple]:
    return sorted(
        (str(p.user), p.category, p.channel, p.enabled) for p in response.context["cl"].result_list
    )


def test_preferences_are_listed_and_filtered(staff_client):
    ada, bo = factories.user("ada"), factories.user("bo")
    set_preference(ada, category="comments", channel="email", enabled=False)
    set_preference(ada, category="news", channel="email", enabled=True)
    set_preference(bo, channel="twilio", enabled=False)

    response = staff_client.get(PREFERENCES)
    assert response.status_code == 200
    assert len(listed(response)) == 3
    html = response.content.decode()
    assert "Comments on your posts" in html and "* (every channel)" in html  # filter choices

    assert listed(staff_client.get(PREFERENCES, {"category": "comments"})) == [
        ("ada", "comments", "email", False)
    ]
    assert listed(staff_client.get(PREFERENCES, {"channel": "*"})) == []
    assert listed(staff_client.get(PREFERENCES, {"category": "*"})) == [
        ("bo", "*", "twilio", False)
    ]
    assert listed(staff_client.get(PREFERENCES, {"enabled__exact": "1"})) == [
        ("ada", "news", "email", True)
    ]
    assert listed(staff_client.get(PREFERENCES, {"q": "bo"})) == [("bo", "*", "twilio", False)]


def test_notifications_are_filtered_by_category(staff_client):
    ada = factories.record().user
    email.create_notification(ada, "A comment", "b", category="comments")
    email.create_notification(ada, "No category", "b")

    def titles(params: dict) -> list[str]:
        response = staff_client.get(NOTIFICATIONS, params)
        return [n.title for n in response.context["cl"].result_list]

    assert titles({"category": "comments"}) == ["A comment"]
    assert titles({"category": ""}) == ["No category"]
    assert sorted(titles({})) == ["A comment", "No category"]
