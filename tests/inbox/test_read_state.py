"""Read state: every function is one query, scoped to the given user, and keeps what it
should (first read date, items that arrived after the list was opened)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.models import Notification
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = pytest.mark.django_db


def post(user, title: str, minutes_ago: float) -> Notification:
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    (row,) = in_app.create_notification(user, title, scheduled_delivery=moment)
    return row


@pytest.fixture
def ada():
    user = factories.user("ada")
    for i, title in enumerate(["one", "two", "three"]):
        post(user, title, minutes_ago=30 - i)
    return user


@pytest.fixture
def bo():
    user = factories.user("bo")
    post(user, "bo's", minutes_ago=5)
    return user


def one_query(function, *args, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = function(*args, **kwargs)
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    return result


def ids(user, *titles) -> list:
    return list(
        Notification.objects.filter(title__in=titles, target_user_record__user=user).values_list(
            "pk", flat=True
        )
    )


def test_inbox_is_newest_first_and_counts_are_one_query_each(ada, bo):
    assert [n.title for n in inbox.inbox(ada)] == ["three", "two", "one"]
    assert one_query(inbox.unread_count, ada) == 3
    assert one_query(inbox.unseen_count, ada) == 3
    assert one_query(inbox.unread_count, bo) == 1
    assert one_query(inbox.counts, ada) == {"unread": 3, "unseen": 3}
    inbox.mark_seen(ada, ids(ada, "one"))
    inbox.mark_read(ada, ids(ada, "two"))
    assert one_query(inbox.counts, ada) == {"unread": 2, "unseen": 1}
    assert inbox.counts(None) == {"unread": 0, "unseen": 0}


def test_counts_can_be_capped_for_a_badge(ada):
    assert one_query(inbox.unread_count, ada, limit=2) == 2
    assert inbox.unread_count(ada, limit=10) == 3
    assert one_query(inbox.unseen_count, ada, limit=1) == 1
    assert one_query(inbox.counts, ada, limit=2) == {"unread": 2, "unseen": 2}
    with pytest.raises(ValueError, match="limit"):
        inbox.unread_count(ada, limit=0)
    with pytest.raises(ValueError, match="limit"):
        inbox.counts(ada, limit=True)


def test_mark_read_sets_read_and_seen_once_and_ignores_other_users_ids(ada, bo):
    mine, theirs = ids(ada, "one")[0], ids(bo, "bo's")[0]
    assert one_query(inbox.mark_read, ada, [mine, theirs, uuid.uuid4()]) == 1
    first = Notification.objects.get(pk=mine)
    assert first.read_at is not None and first.seen_at == first.read_at
    assert Notification.objects.get(pk=theirs).read_at is None
    assert inbox.unread_count(ada) == 2 and inbox.unseen_count(ada) == 2

    assert inbox.mark_read(ada, mine) == 1  # a single id works; the first date is kept
    assert Notification.objects.get(pk=mine).read_at == first.read_at
    assert inbox.mark_read(bo, [mine]) == 0


def test_mark_unread_keeps_it_seen(ada):
    (mine,) = ids(ada, "two")
    inbox.mark_read(ada, [mine])
    assert one_query(inbox.mark_unread, ada, [mine]) == 1
    row = Notification.objects.get(pk=mine)
    assert row.read_at is None and row.seen_at is not None
    assert inbox.unread_count(ada) == 3 and inbox.unseen_count(ada) == 2


def test_mark_seen_all_or_some(ada, bo):
    assert one_query(inbox.mark_seen, ada, ids(ada, "one")) == 1
    assert inbox.unseen_count(ada) == 2
    assert one_query(inbox.mark_seen, ada) == 2
    assert inbox.unseen_count(ada) == 0 and inbox.unread_count(ada) == 3
    assert inbox.unseen_count(bo) == 1


def test_archive_takes_it_out_of_the_inbox_and_the_counts(ada, bo):
    (mine,) = ids(ada, "two")
    assert one_query(inbox.archive, ada, [mine, *ids(bo, "bo's")]) == 1
    assert [n.title for n in inbox.inbox(ada)] == ["three", "one"]
    assert inbox.unread_count(ada) == 2
    assert Notification.objects.filter(pk=mine).exists()
    assert [n.title for n in inbox.inbox(bo)] == ["bo's"]


def test_mark_all_read_is_one_update_for_this_user_only(ada, bo):
    assert one_query(inbox.mark_all_read, ada) == 3
    assert inbox.unread_count(ada) == 0 and inbox.unseen_count(ada) == 0
    assert inbox.unread_count(bo) == 1
    assert inbox.mark_all_read(ada) == 0


def test_mark_all_read_before_an_item_leaves_later_arrivals_unread(ada):
    newest_shown = inbox.inbox(ada).first()  # "three", what the user saw at the top
    post(ada, "arrived while reading", minutes_ago=1)
    assert one_query(inbox.mark_all_read, ada, before=newest_shown.pk) == 3
    assert [n.title for n in inbox.inbox(ada) if n.read_at is None] == ["arrived while reading"]


def test_mark_all_read_before_a_datetime(ada):
    assert inbox.mark_all_read(ada, before=timezone.now() - timedelta(minutes=29, seconds=30)) == 1
    assert inbox.unread_count(ada) == 2


def test_mark_all_read_before_another_users_item_changes_nothing(ada, bo):
    (theirs,) = ids(bo, "bo's")
    assert inbox.mark_all_read(ada, before=theirs) == 0
    assert inbox.unread_count(ada) == 3


def test_anonymous_users_have_an_empty_inbox(ada):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert inbox.unread_count(anonymous) == 0
    assert list(inbox.inbox(anonymous)) == []
    assert inbox.mark_all_read(anonymous) == 0


def test_a_malformed_id_is_a_clear_error(ada):
    with pytest.raises(ValueError, match="not a notification id"):
        inbox.mark_read(ada, ["not-a-uuid"])


def test_other_channels_are_not_in_the_inbox(ada):
    factories.notification(factories.record(ada), title="an email")
    assert "an email" not in [n.title for n in inbox.inbox(ada)]
    assert inbox.unread_count(ada) == 3
