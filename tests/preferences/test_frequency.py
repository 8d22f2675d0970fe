"""The digest frequency of a preference: set through the Python API, the page and the REST
API, validated everywhere, sparse and wildcard-aware like ``enabled``, resolved per batch."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_notification_system.models import NotificationPreference
from django_notification_system.preferences import explain, preferences_for, set_preference
from django_notification_system.preferences.resolution import frequencies_many
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/notifications/preferences/"
PAGE = "/notifications/preferences/"


def stored(user) -> dict:
    return {
        (p.category, p.channel): (p.enabled, p.frequency)
        for p in NotificationPreference.objects.filter(user=user)
    }


def frequency(user, category: str, channel: str) -> str:
    key = (user.pk, category, channel)
    return frequencies_many([key])[key]


@pytest.fixture
def ada():
    return factories.user("ada")


def test_the_default_is_immediate_and_a_row_may_set_only_a_frequency(ada):
    assert frequency(ada, "comments", "email") == "immediate"
    set_preference(ada, category="comments", channel="email", frequency="daily")
    assert stored(ada) == {("comments", "email"): (None, "daily")}
    assert frequency(ada, "comments", "email") == "daily"
    assert explain(ada, "comments", "email").reason == "default"  # enabled left alone
    set_preference(ada, category="comments", channel="email", enabled=False)
    assert stored(ada) == {("comments", "email"): (False, "daily")}
    set_preference(ada, category="comments", channel="email", frequency="immediate")
    assert stored(ada) == {("comments", "email"): (False, None)}
    set_preference(ada, category="comments", channel="email", enabled=True)
    assert stored(ada) == {}  # both back to what the category gives: no row


def test_wildcards_cover_and_pin_like_enabled(ada):
    set_preference(ada, category="news", frequency="hourly")
    assert frequency(ada, "news", "email") == "hourly"
    set_preference(ada, channel="email", frequency="daily")
    # ("news", "*") outranks ("*", "email"): the email cell is pinned to the new value
    assert frequency(ada, "news", "email") == "daily"
    assert frequency(ada, "news", "twilio") == "hourly"
    assert frequency(ada, "comments", "email") == "daily"
    assert frequency(ada, "security", "email") == "immediate"  # critical: never held
    set_preference(ada, frequency="weekly")  # everything: the covered rows go
    assert stored(ada) == {("*", "*"): (None, "weekly")}
    assert frequency(ada, "billing", "twilio") == "weekly"


def test_invalid_frequencies_and_critical_categories_are_refused(ada):
    with pytest.raises(ValueError, match="frequency must be one of 'immediate', 'hourly'"):
        set_preference(ada, category="news", frequency="monthly")
    with pytest.raises(ValueError, match="critical: its notifications are always sent"):
        set_preference(ada, category="security", channel="email", frequency="daily")
    with pytest.raises(ValueError, match="Give enabled, frequency or both"):
        set_preference(ada, category="news")
    set_preference(ada, category="security", frequency="immediate")  # already so: no-op
    assert stored(ada) == {}


def test_the_database_refuses_empty_and_unknown_rows(ada):
    for values in ({}, {"frequency": "monthly"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            NotificationPreference.objects.create(
                user=ada, category="news", channel="email", **values
            )


def test_frequencies_resolve_in_one_query_for_many_users():
    users = [factories.user(f"u{i}") for i in range(30)]
    for user in users[::3]:
        set_preference(user, category="comments", channel="email", frequency="daily")
    set_preference(users[1], channel="email", frequency="weekly")
    keys = [(u.pk, "comments", "email") for u in users] + [
        (u.pk, "security", "email") for u in users
    ]
    with CaptureQueriesContext(connection) as ctx:
        found = frequencies_many(keys)
    assert len(ctx.captured_queries) == 1
    assert [found[(u.pk, "comments", "email")] for u in users[:4]] == [
        "daily",
        "weekly",
        "immediate",
        "daily",
    ]
    assert {found[(u.pk, "security", "email")] for u in users} == {"immediate"}


def test_the_matrix_shows_each_cells_frequency(ada):
    set_preference(ada, category="comments", frequency="hourly")
    with CaptureQueriesContext(connection) as ctx:
        matrix = preferences_for(ada)
    assert len(ctx.captured_queries) == 3
    assert matrix.cell("comments", "twilio").frequency == "hourly"
    assert matrix.cell("news", "email").frequency == "immediate"
    assert matrix.cell("security", "email").frequency_locked
    cell = matrix.as_dict()["categories"][0]["channels"]["email"]
    assert (cell["frequency"], cell["frequency_locked"]) == ("hourly", False)


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def page(client, ada):
    client.force_login(ada)
    return client


def _defaults(page) -> dict:
    """What the page posts when the user changes nothing."""
    form = page.get(PAGE).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if not field.disabled and value not in (False, None):
            data[name] = "on" if value is True else value
    return data


def test_the_page_has_a_frequency_select_per_cell_and_saves_it(page, ada):
    html = page.get(PAGE).content.decode()
    assert 'name="frequency:comments/email"' in html
    assert '<option value="weekly">Weekly</option>' in html
    form = page.get(PAGE).context["form"]
    assert form.fields["frequency:security/email"].disabled
    data = _defaults(page)
    data["frequency:comments/email"] = "daily"
    assert page.post(PAGE, data).status_code == 302
    assert stored(ada) == {("comments", "email"): (None, "daily")}


def test_the_page_refuses_an_unknown_frequency_and_keeps_a_missing_one(page, ada):
    data = _defaults(page)
    data["frequency:news/email"] = "monthly"
    response = page.post(PAGE, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert stored(ada) == {}
    set_preference(ada, category="news", channel="email", frequency="weekly")
    data = {k: v for k, v in _defaults(page).items() if not k.startswith("frequency:")}
    assert page.post(PAGE, data).status_code == 302  # a template without the selects
    assert stored(ada) == {("news", "email"): (None, "weekly")}


# --- the REST API --------------------------------------------------------------------------


@pytest.fixture
def api(ada) -> APIClient:
    client = APIClient()
    client.force_login(ada)
    return client


def test_the_api_shows_and_changes_frequencies(api, ada):
    response = api.patch(
        API,
        {"changes": [{"category": "news", "channel": "email", "frequency": "weekly"}]},
        format="json",
    )
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["categories"]}
    assert rows["news"]["channels"]["email"]["frequency"] == "weekly"
    assert rows["security"]["channels"]["email"]["frequency_locked"] is True
    assert api.get(API).json() == response.json()
    assert stored(ada) == {("news", "email"): (None, "weekly")}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "news", "frequency": "monthly"}, '"monthly" is not a valid choice.'),
        ({"category": "news"}, "Give enabled, frequency or both."),
        (
            {"category": "security", "frequency": "daily"},
            "Category 'security' is critical: its notifications are always sent immediately.",
        ),
    ],
)
def test_the_api_refuses_invalid_frequencies_with_a_clear_400(api, ada, change, message):
    response = api.patch(API, {"changes": [change]}, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert stored(ada) == {}
