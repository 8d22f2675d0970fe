"""Categories in the inbox: the in_app creator's ``category=`` honours preferences, the inbox
API filters by category, and ``preferences/`` reads and changes the user's matrix."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from django_notification_system import inbox, preferences
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("categories"),
]

API = "/api/notifications/"
CATEGORIES = {
    "comments": {"label": "Comments on your posts"},
    "news": {"label": "Product news", "defaults": {"in_app": False}},
    "security": {"label": "Security alerts", "critical": True},
}


@pytest.fixture
def categories():
    with override_settings(NOTIFICATION_SYSTEM_CATEGORIES=CATEGORIES):
        yield


@pytest.fixture
def ada():
    return factories.user("ada")


@pytest.fixture
def client(ada) -> APIClient:
    api = APIClient()
    api.force_login(ada)
    return api


def test_the_creator_stores_the_category_and_honours_preferences(ada):
    (row,) = in_app.create_notification(ada, "Bo replied", category="comments")
    assert row.category == "comments"
    assert in_app.create_notification(ada, "Launch!", category="news") == []  # off by default
    preferences.set_preference(ada, category="comments", channel="in_app", enabled=False)
    assert in_app.create_notification(ada, "Cy replied", category="comments") == []
    assert [n.title for n in inbox.inbox(ada)] == ["Bo replied"]
    with pytest.raises(ValueError, match="Unknown notification category"):
        in_app.create_notification(ada, "?", category="nope")


def test_the_inbox_api_filters_by_category_and_shows_it(client, ada):
    in_app.create_notification(ada, "Bo replied", category="comments")
    in_app.create_notification(ada, "New sign-in", category="security")
    in_app.create_notification(ada, "Uncategorised")
    results = client.get(f"{API}inbox/?category=comments").json()["results"]
    assert [(item["title"], item["category"]) for item in results] == [("Bo replied", "comments")]
    everything = client.get(f"{API}inbox/").json()["results"]
    assert {item["category"] for item in everything} == {"comments", "security", ""}


def test_an_unknown_category_filter_is_a_400_naming_the_known_ones(client, ada):
    response = client.get(f"{API}inbox/?category=comment")
    assert response.status_code == 400
    assert "comments" in response.json()["category"][0]


def test_mark_all_read_of_one_category(client, ada):
    in_app.create_notification(ada, "Bo replied", category="comments")
    in_app.create_notification(ada, "New sign-in", category="security")
    response = client.post(f"{API}inbox/mark-all-read/", {"category": "comments"}, format="json")
    assert response.json() == {"updated": 1}
    assert [n.title for n in inbox.inbox(ada) if n.read_at is None] == ["New sign-in"]
    refused = client.post(f"{API}inbox/mark-all-read/", {"category": "coments"}, format="json")
    assert refused.status_code == 400 and "comments" in refused.json()["category"][0]
    with pytest.raises(ValueError, match="Known categories"):
        inbox.mark_all_read(ada, category="coments")
    assert inbox.unread_count(ada) == 1


def test_get_preferences_is_the_users_matrix(client, ada):
    preferences.set_preference(ada, category="comments", channel="in_app", enabled=False)
    matrix = client.get(f"{API}preferences/").json()
    assert "in_app" in matrix["channels"]
    rows = {row["key"]: row for row in matrix["categories"]}
    assert rows["comments"]["channels"]["in_app"]["enabled"] is False
    assert rows["news"]["channels"]["in_app"]["enabled"] is False
    assert rows["security"]["channels"]["in_app"]["locked"] is True
    other = factories.user("bo")
    assert preferences.is_enabled(other, "comments", "in_app")


def test_patch_preferences_changes_them_and_returns_the_matrix(client, ada):
    response = client.patch(
        f"{API}preferences/",
        {
            "changes": [
                {"category": "news", "channel": "in_app", "enabled": True},
                {"channel": "email", "enabled": False},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["categories"]}
    assert rows["news"]["channels"]["in_app"]["enabled"] is True
    assert rows["comments"]["channels"]["email"]["enabled"] is False
    assert preferences.is_enabled(ada, "news", "in_app")
    assert not preferences.is_enabled(ada, "comments", "email")


def test_a_refused_change_is_a_400_and_keeps_nothing(client, ada):
    response = client.patch(
        f"{API}preferences/",
        {
            "changes": [
                {"category": "comments", "channel": "in_app", "enabled": False},
                {"category": "security", "channel": "in_app", "enabled": False},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert "changes" in response.json()
    assert preferences.is_enabled(ada, "comments", "in_app")  # the first change was undone


def test_preferences_need_csrf_with_session_auth_and_refuse_post(ada):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(ada)
    body = {"changes": [{"category": "comments", "channel": "in_app", "enabled": False}]}
    refused = browser.patch(f"{API}preferences/", body, format="json")
    assert refused.status_code == 403
    assert preferences.is_enabled(ada, "comments", "in_app")
    assert browser.post(f"{API}preferences/", body, format="json").status_code in (403, 405)


def test_anonymous_preferences_are_refused():
    assert APIClient().get(f"{API}preferences/").status_code in (401, 403)
