"""Creators with ``category=``: stored on the row, preferences applied in bulk at no
per-user cost, the per-user creator quiet about a user's choice."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_notification_system.exceptions import UserIsOptedOut
from django_notification_system.models import (
    Notification,
    NotificationOptOut,
    NotificationPreference,
    TargetUserRecord,
)
from django_notification_system.notification_creators import email, twilio
from django_notification_system.notification_creators.base import SkipReason, create_notifications
from django_notification_system.preferences import set_preference
from tests import factories

pytestmark = pytest.mark.django_db


def test_category_is_stored_and_defaults_to_blank():
    ada = factories.record().user
    (plain,) = email.create_notification(ada, "Plain", "body")
    (comment,) = email.create_notification(ada, "Comment", "body", category="comments")
    assert Notification.objects.get(pk=plain.pk).category == ""
    assert Notification.objects.get(pk=comment.pk).category == "comments"
    assert comment.category == "comments"


def test_per_user_creator_returns_empty_list_when_preferences_say_no():
    ada = factories.record().user
    set_preference(ada, category="comments", channel="email", enabled=False)
    assert email.create_notification(ada, "Hi", "body", category="comments") == []
    # off by default, no row needed
    assert email.create_notification(ada, "News", "body", category="news") == []
    assert Notification.objects.count() == 0
    # without a category nothing changes
    assert len(email.create_notification(ada, "Hi", "body")) == 1


def test_opt_out_still_raises_with_a_category():
    ada = factories.record().user
    NotificationOptOut.objects.create(user=ada, active=True)
    with pytest.raises(UserIsOptedOut):
        email.create_notification(ada, "Alert", "body", category="security")


def test_critical_and_required_ignore_preferences():
    ada = factories.record().user
    factories.record(ada, "twilio", address="+15550001")
    set_preference(ada, enabled=False)
    assert len(email.create_notification(ada, "Reset", "body", category="security")) == 1
    assert len(twilio.create_notification(ada, "Reset", "body", category="security")) == 1
    assert len(email.create_notification(ada, "Invoice", "body", category="billing")) == 1
    assert twilio.create_notification(ada, "Invoice", "body", category="billing") == []


def test_unknown_category_is_a_value_error_naming_the_known_ones():
    ada = factories.record().user
    with pytest.raises(ValueError, match=r"'comment'.*Known categories: 'comments', 'security'"):
        email.create_notification(ada, "Hi", "body", category="comment")
    with pytest.raises(ValueError, match="Known categories"):
        create_notifications([ada], "email", "Hi", "body", category="nope")
    assert Notification.objects.count() == 0


def test_bulk_creation_reports_preference_skips():
    users = [factories.record(factories.user(f"u{i}")).user for i in range(6)]
    set_preference(users[0], category="comments", channel="email", enabled=False)
    set_preference(users[1], category="comments", enabled=False)
    set_preference(users[2], channel="email", enabled=False)
    set_preference(users[3], enabled=False)
    set_preference(users[4], channel="twilio", enabled=False)  # another channel
    result = create_notifications(users, "email", "Hi", "body", category="comments")
    assert sorted(result.skipped_for(SkipReason.PREFERENCE)) == sorted(u.pk for u in users[:4])
    assert sorted(n.target_user_record.user_id for n in result.created) == sorted(
        u.pk for u in users[4:]
    )
    assert result.counts()["preference"] == 4
    # news is off by default on email: only an explicit "on" gets it
    set_preference(users[5], category="news", channel="email", enabled=True)
    result = create_notifications(users, "email", "News", "body", category="news")
    assert [n.target_user_record.user_id for n in result.created] == [users[5].pk]


def test_a_queryset_of_users_is_filtered_in_sql():
    users = [factories.record(factories.user(f"q{i}")).user for i in range(3)]
    set_preference(users[1], category="comments", channel="email", enabled=False)
    User = get_user_model()
    result = create_notifications(
        User.objects.filter(username__startswith="q"), "email", "Hi", "body", category="comments"
    )
    assert result.skipped == {users[1].pk: SkipReason.PREFERENCE}
    assert len(result.created) == 2


def _make_population(count: int, prefix: str) -> list:
    """``count`` users with an email record; one in ten has a preference row."""
    User = get_user_model()
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    target = factories.target("email")
    TargetUserRecord.objects.bulk_create(
        [TargetUserRecord(user=u, target=target, target_user_id=f"{u.pk}@x.test") for u in users]
    )
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=u, category="comments", channel="email", enabled=False)
            for u in users[::10]
        ]
    )
    return users


def _queries(users) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(users, "email", "Hi", "body", category="comments")
    return len(ctx.captured_queries), result


def test_queries_are_the_same_for_one_user_and_five_thousand():
    """Three queries per chunk of users whatever its size: flags SELECT (opt-out, preference,
    record), INSERT ... RETURNING, record -> user map (skipped for a single user)."""
    solo = _make_population(2, "solo")  # solo0 has a preference row, solo1 none
    assert _queries(solo[:1])[0] == 1  # the flags SELECT; nobody left to insert for
    one, result = _queries(solo[1:])
    assert len(result.created) == 1
    many = _make_population(5000, "crowd")
    count, result = _queries(many)
    assert len(result.skipped_for(SkipReason.PREFERENCE)) == 500
    assert len(result.created) == 4500
    assert one == 2
    assert count == 3
    batches, result = _queries_in_batches(many)
    assert batches == 5 * 3  # five chunks of 1,000 users, the same three queries each
    assert len(result.created) == 4500


def _queries_in_batches(users) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(
            users, "email", "Hi", "body", category="comments", batch_size=1000
        )
    return len(ctx.captured_queries), result


def test_the_in_app_creator_takes_a_category():
    from django_notification_system.notification_creators import in_app

    ada = factories.user("inbox-ada")
    (item,) = in_app.create_notification(ada, "A comment", category="comments")
    assert item.category == "comments"
    set_preference(ada, category="comments", channel="in_app", enabled=False)
    assert in_app.create_notification(ada, "Another comment", category="comments") == []
    assert len(in_app.create_notification(ada, "Alert", category="security")) == 1
