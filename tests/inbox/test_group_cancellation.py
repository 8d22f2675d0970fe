"""Cancelling a group's item brings the newest notification still folded into it back as
the item, recounted; cancelling a folded one recounts the item; a constant number of
queries per cancel, whatever the number of groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.keys.cancellation import cancel_notifications, cancel_queryset
from django_notification_system.models import Notification
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = pytest.mark.django_db
KEY = "comments:post-42"


def comment(user, actor: str, key: str = KEY, **kwargs) -> Notification:
    (row,) = in_app.create_notification(user, "New comment", group_key=key, actor=actor, **kwargs)
    return row


@pytest.fixture
def ada():
    return factories.user("ada")


def test_cancelling_the_item_brings_the_newest_folded_one_back(ada):
    comment(ada, "Bo")
    cy = comment(ada, "Cy")
    comment(ada, "Di", cancel_key="di-comment")
    assert cancel_notifications("di-comment") == 1
    (item,) = inbox.inbox(ada)
    assert item.pk == cy.pk
    assert (item.group_count, item.actors) == (2, ["Cy", "Bo"])
    assert inbox.unread_count(ada) == 1
    # The next notification of the key folds into the item that came back.
    comment(ada, "Ed")
    (item,) = inbox.inbox(ada)
    assert (item.group_count, item.actors) == (3, ["Ed", "Cy", "Bo"])
    # Reading it reads the whole remaining group.
    assert inbox.mark_read(ada, [item.pk]) == 3


def test_cancelling_a_folded_one_recounts_the_item(ada):
    comment(ada, "Bo", cancel_key="bo-comment")
    comment(ada, "Cy")
    di = comment(ada, "Di")
    assert cancel_notifications("bo-comment") == 1
    (item,) = inbox.inbox(ada)
    assert (item.pk, item.group_count) == (di.pk, 2)
    assert item.actors == ["Di", "Cy", "Bo"]  # actors are kept as stored (documented)


def test_cancelling_the_whole_group_leaves_nothing(ada):
    for actor in ("Bo", "Cy"):
        comment(ada, actor, cancel_key="post-42")
    assert cancel_notifications("post-42") == 2
    assert list(inbox.inbox(ada)) == []
    assert (
        not Notification.objects.filter(superseded_at__isnull=True)
        .exclude(status=Notification.CANCELLED)
        .exists()
    )


def test_a_read_group_and_other_users_are_left_alone(ada):
    comment(ada, "Bo")
    old = comment(ada, "Cy")
    inbox.mark_read(ada, [old.pk])  # the group is read: nothing folded stays unread
    fresh = comment(ada, "Di", cancel_key="di-comment")
    assert fresh.group_count == 1
    bo = factories.user("bo")
    comment(bo, "Ann")
    bo_item = comment(bo, "Cy")
    assert cancel_notifications("di-comment", user=ada) == 1
    # The read item stays listed as it was; nothing folded comes back.
    assert [(n.pk, n.group_count) for n in inbox.inbox(ada)] == [(old.pk, 2)]
    assert inbox.unread_count(ada) == 0
    assert [(n.pk, n.group_count) for n in inbox.inbox(bo)] == [(bo_item.pk, 2)]


def test_a_later_scheduled_row_of_the_group_does_not_hide_the_one_coming_back(ada):
    bo = comment(ada, "Bo")
    comment(ada, "Cy", cancel_key="cy")
    comment(ada, "Di", scheduled_delivery=timezone.now() + timedelta(hours=1))
    cancel_notifications("cy")
    assert [n.pk for n in inbox.inbox(ada)] == [bo.pk]


@pytest.mark.parametrize("users", [1, 5])
def test_the_queries_do_not_grow_with_the_groups(users):
    people = [factories.user(f"user{i}") for i in range(users)]
    for user in people:
        # One group whose item is cancelled (an older one comes back), one whose folded
        # notification is cancelled (the item is recounted).
        comment(user, "early", key=f"a-{user.pk}")
        comment(user, "gone", key=f"a-{user.pk}", cancel_key="bulk")
        comment(user, "gone", key=f"b-{user.pk}", cancel_key="bulk")
        comment(user, "late", key=f"b-{user.pk}")
    cancelled = Notification.objects.filter(cancel_key="bulk")
    with CaptureQueriesContext(connection) as ctx:
        assert cancel_queryset(cancelled, "test") == 2 * users
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Read the group keys, lock them (PostgreSQL), cancel, repair the groups.
    assert len(statements) == (4 if connection.vendor == "postgresql" else 3)
    for user in people:
        items = sorted((n.actors[0], n.group_count) for n in inbox.inbox(user))
        assert items == [("early", 1), ("late", 1)]


def test_an_ungrouped_cancel_costs_one_more_query_only():
    user = factories.user("ada")
    in_app.create_notification(user, "Plain", cancel_key="plain")
    with CaptureQueriesContext(connection) as ctx:
        assert cancel_notifications("plain") == 1
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) == 2
