"""The preferences API: sparse rows, wildcard semantics, the resolution order and its reasons."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_notification_system.models import NotificationOptOut, NotificationPreference
from django_notification_system.preferences import (
    explain,
    explain_many,
    is_enabled,
    preferences_for,
    set_preference,
)
from tests import factories

pytestmark = pytest.mark.django_db


def stored(user) -> dict:
    return {
        (p.category, p.channel): p.enabled
        for p in NotificationPreference.objects.filter(user=user)
    }


@pytest.fixture
def ada():
    return factories.user("ada")


def test_defaults_without_rows(ada):
    assert explain(ada, "comments", "email").enabled is True
    assert explain(ada, "comments", "email").reason == "default"
    assert explain(ada, "comments", "twilio").enabled is False  # off in defaults
    assert explain(ada, "comments", "expo").enabled is True  # missing from defaults: on
    assert explain(ada, "news", "email").enabled is False
    assert is_enabled(ada, "news", "twilio") is True


def test_resolution_order_and_reasons(ada):
    set_preference(ada, channel="email", enabled=False)
    assert explain(ada, "news", "email").enabled is False
    # the row comes before the category's default
    assert explain(ada, "news", "email").reason == "preference:*/email"
    assert explain(ada, "comments", "email").reason == "preference:*/email"
    set_preference(ada, category="comments", enabled=True)
    assert explain(ada, "comments", "twilio").reason == "preference:comments/*"
    assert explain(ada, "comments", "twilio").enabled is True
    set_preference(ada, category="comments", channel="twilio", enabled=False)
    assert explain(ada, "comments", "twilio").reason == "preference:comments/twilio"
    assert explain(ada, "comments", "twilio").enabled is False
    # required and critical come before any row
    set_preference(ada, enabled=False)  # everything off
    assert explain(ada, "billing", "email").reason == "required"
    assert explain(ada, "billing", "email").enabled is True
    assert explain(ada, "billing", "twilio").enabled is False
    assert explain(ada, "security", "twilio").reason == "critical"
    assert explain(ada, "security", "twilio").enabled is True
    # the 1.5.3 opt-out comes before everything, critical included
    NotificationOptOut.objects.create(user=ada, active=True)
    assert explain(ada, "security", "email").reason == "opt-out"
    assert explain(ada, "security", "email").enabled is False


def test_rows_are_sparse(ada):
    set_preference(ada, category="comments", channel="email", enabled=True)  # the default
    assert stored(ada) == {}
    set_preference(ada, category="comments", channel="email", enabled=False)
    assert stored(ada) == {("comments", "email"): False}
    set_preference(ada, category="comments", channel="email", enabled=True)
    assert stored(ada) == {}
    set_preference(ada, category="news", channel="email", enabled=True)
    assert stored(ada) == {("news", "email"): True}


def test_a_wildcard_removes_the_specific_rows_it_covers(ada):
    set_preference(ada, category="comments", channel="email", enabled=True)
    set_preference(ada, category="news", channel="email", enabled=True)
    set_preference(ada, category="news", channel="expo", enabled=False)
    assert stored(ada) == {("news", "email"): True, ("news", "expo"): False}
    set_preference(ada, channel="email", enabled=False)
    assert stored(ada) == {("*", "email"): False, ("news", "expo"): False}
    assert not is_enabled(ada, "news", "email")
    assert not is_enabled(ada, "comments", "email")


def test_turning_off_all_email_beats_an_older_category_row(ada):
    """ "I turned it off and still got the email": a (news, *) row must not survive (*, email)."""
    set_preference(ada, category="news", enabled=True)
    assert is_enabled(ada, "news", "email")
    set_preference(ada, channel="email", enabled=False)
    assert not is_enabled(ada, "news", "email")
    assert not is_enabled(ada, "comments", "email")
    assert is_enabled(ada, "news", "expo")  # the news row still holds for other channels
    assert is_enabled(ada, "billing", "email")  # required
    set_preference(ada, enabled=False)
    assert stored(ada) == {("*", "*"): False}
    assert not any(
        is_enabled(ada, c, ch) for c in ("comments", "news") for ch in ("email", "expo", "twilio")
    )
    set_preference(ada, category="comments", channel="expo", enabled=True)
    assert is_enabled(ada, "comments", "expo") and not is_enabled(ada, "comments", "email")


def test_required_and_critical_cannot_be_turned_off(ada):
    with pytest.raises(ValueError, match="'email' is required for category 'billing'"):
        set_preference(ada, category="billing", channel="email", enabled=False)
    with pytest.raises(ValueError, match="'security' is critical"):
        set_preference(ada, category="security", channel="twilio", enabled=False)
    with pytest.raises(ValueError, match="'security' is critical"):
        set_preference(ada, category="security", enabled=False)
    assert stored(ada) == {}
    set_preference(ada, category="billing", enabled=False)  # the others channels of billing
    assert is_enabled(ada, "billing", "email") and not is_enabled(ada, "billing", "expo")


def test_bad_input_is_a_value_error_naming_the_known_values(ada):
    with pytest.raises(ValueError, match="Known categories: 'comments'"):
        set_preference(ada, category="nope", channel="email", enabled=False)
    with pytest.raises(ValueError, match=r"Did you mean 'email'\?.*Known channels: 'email'"):
        set_preference(ada, category="news", channel="emial", enabled=False)
    with pytest.raises(ValueError, match="enabled must be True or False"):
        set_preference(ada, category="news", channel="email", enabled="no")
    with pytest.raises(ValueError, match="Known categories"):
        explain(ada, "nope", "email")
    assert stored(ada) == {}


def test_preferences_for_is_the_whole_matrix(ada):
    set_preference(ada, category="comments", channel="twilio", enabled=True)
    with CaptureQueriesContext(connection) as ctx:
        matrix = preferences_for(ada)
    assert len(ctx.captured_queries) == 3
    assert matrix.channels == ("email", "expo", "in_app", "twilio", "webpush")  # targets by name
    assert [row.category.key for row in matrix.rows] == ["comments", "security", "news", "billing"]
    cell = matrix.cell("comments", "twilio")
    assert (cell.enabled, cell.locked, cell.reason) == (True, False, "preference:comments/twilio")
    assert matrix.cell("security", "expo").locked
    assert matrix.cell("billing", "email").reason == "required"
    assert not matrix.cell("news", "email").enabled
    as_dict = matrix.as_dict()
    assert as_dict["categories"][2]["channels"]["email"] == {
        "enabled": False,
        "locked": False,
        "reason": "default",
        "frequency": "immediate",
        "frequency_locked": False,
    }


def test_explain_many_costs_two_queries_for_many_users():
    users = [factories.user(f"u{i}") for i in range(30)]
    for user in users[::3]:
        set_preference(user, category="comments", channel="email", enabled=False)
    keys = [(u.pk, "comments", "email") for u in users] + [(u.pk, "news", "expo") for u in users]
    with CaptureQueriesContext(connection) as ctx:
        found = explain_many(keys)
    assert len(ctx.captured_queries) == 2
    assert [found[(u.pk, "comments", "email")].enabled for u in users[:4]] == [
        False,
        True,
        True,
        False,
    ]
    assert all(found[(u.pk, "news", "expo")].reason == "default" for u in users)
