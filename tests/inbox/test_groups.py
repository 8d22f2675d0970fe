"""In-app grouping: notifications with one ``group_key`` show as one unread inbox item with a
count and the latest actors; reading it reads the group; creation stays a constant number
of queries, also in bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.inbox.groups import MAX_ACTORS
from django_notification_system.models import Notification
from django_notification_system.notification_creators import in_app
from django_notification_system.notification_creators.base import create_notifications
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()
KEY = "comments:post-42"


def comment(user, actor: str, key: str = KEY, **kwargs) -> list[Notification]:
    return in_app.create_notification(
        user, "New comments on Post 42", group_key=key, actor=actor, **kwargs
    )


def rows(user):
    return Notification.objects.filter(target_user_record__user=user)


@pytest.fixture
def ada():
    return factories.user("ada")


def test_one_item_with_the_count_and_latest_distinct_actors(ada):
    first = comment(ada, "Bo")
    comment(ada, "Cy")
    (last,) = comment(ada, "Ann")
    assert (first[0].group_count, first[0].actors) == (1, ["Bo"])
    assert (last.group_count, last.actors) == (3, ["Ann", "Cy", "Bo"])
    comment(ada, "Bo")  # Bo again: listed once, first
    (item,) = inbox.inbox(ada)
    assert item.group_count == 4
    assert item.actors == ["Bo", "Ann", "Cy"][:MAX_ACTORS]
    assert inbox.unread_count(ada) == 1 and inbox.unseen_count(ada) == 1
    # Every notification is stored; the older ones are superseded, not deleted.
    assert rows(ada).count() == 4
    assert rows(ada).filter(superseded_at__isnull=True).count() == 1


def test_other_keys_and_ungrouped_notifications_are_items_of_their_own(ada):
    comment(ada, "Bo")
    comment(ada, "Cy", key="comments:post-7")
    in_app.create_notification(ada, "Report ready", actor="System")
    in_app.create_notification(ada, "Report ready again")
    comment(factories.user("bo"), "Cy")  # another user's group is apart
    items = list(inbox.inbox(ada))
    assert len(items) == 4 and {n.group_count for n in items} == {1}
    assert [n.actors for n in items if n.title == "Report ready"] == [["System"]]
    assert inbox.unread_count(ada) == 4


def test_reading_the_item_reads_the_whole_group_and_a_new_one_starts_afresh(ada):
    for actor in ("Bo", "Cy", "Di"):
        comment(ada, actor)
    other = factories.user("other")
    comment(other, "Bo")
    (item,) = inbox.inbox(ada)
    with CaptureQueriesContext(connection) as ctx:
        assert inbox.mark_read(ada, [item.pk]) == 3  # the item and the two folded into it
    assert len(ctx.captured_queries) == 1
    assert not rows(ada).filter(read_at__isnull=True).exists()
    assert inbox.unread_count(ada) == 0 and inbox.unread_count(other) == 1
    (fresh,) = comment(ada, "Ed")
    assert (fresh.group_count, fresh.actors) == (1, ["Ed"])
    assert [n.pk for n in inbox.inbox(ada)] == [fresh.pk, item.pk]  # the read item stays


def test_an_archived_item_is_not_grown(ada):
    (first,) = comment(ada, "Bo")
    inbox.archive(ada, [first.pk])
    (second,) = comment(ada, "Cy")
    assert second.group_count == 1
    assert [n.pk for n in inbox.inbox(ada)] == [second.pk]


def test_mark_all_read_reads_the_folded_notifications_too(ada):
    for actor in ("Bo", "Cy"):
        comment(ada, actor)
    assert inbox.mark_all_read(ada) == 2
    assert inbox.unread_count(ada) == 0


def test_a_notification_scheduled_for_later_joins_when_the_next_one_comes(ada):
    later = timezone.now() + timedelta(hours=1)
    comment(ada, "Bo")
    (scheduled,) = comment(ada, "Cy", scheduled_delivery=later)
    assert scheduled.group_count == 1
    assert [n.actors for n in inbox.inbox(ada)] == [["Bo"]]  # the item stays until then
    Notification.objects.filter(pk=scheduled.pk).update(scheduled_delivery=timezone.now())
    assert inbox.unread_count(ada) == 2  # due now: shown on its own
    (joined,) = comment(ada, "Di")
    assert (joined.group_count, joined.actors) == (3, ["Di", "Cy", "Bo"])
    assert inbox.unread_count(ada) == 1


def test_an_item_marked_unread_again_is_folded_with_its_count(ada):
    comment(ada, "Bo")
    (older,) = comment(ada, "Cy")
    inbox.mark_read(ada, [older.pk])
    (newer,) = comment(ada, "Di")
    inbox.mark_unread(ada, [older.pk])  # two unread items of one group, a rare state
    assert inbox.unread_count(ada) == 2
    (healed,) = comment(ada, "Ed")
    assert (healed.group_count, healed.actors) == (4, ["Ed", "Di", "Cy"])
    assert [n.pk for n in inbox.inbox(ada)] == [healed.pk]
    assert inbox.unread_count(ada) == 1 and newer.pk != healed.pk


def test_a_repeated_idempotency_key_keeps_the_item_and_its_count(ada):
    comment(ada, "Bo", idempotency_key="c1")
    (second,) = comment(ada, "Cy", idempotency_key="c2")
    assert [n.pk for n in comment(ada, "Cy", idempotency_key="c2")] == [second.pk]
    (item,) = inbox.inbox(ada)
    assert (item.pk, item.group_count) == (second.pk, 2)
    assert rows(ada).count() == 2


def test_validation():
    user = factories.user("ada")
    factories.record(user, "email")
    with pytest.raises(ValueError, match="group_key is for the in-app channel"):
        create_notifications([user], "email", "Hi", group_key=KEY)
    with pytest.raises(ValueError, match="actor"):
        in_app.create_notification(user, "Hi", actor="x" * 151)
    with pytest.raises(ValueError, match="group_key"):
        in_app.create_notification(user, "Hi", group_key="")
    assert not rows(user).exists()


def make_users(count: int, prefix: str) -> list:
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def work(ctx) -> list[str]:
    """The captured statements, without the savepoints of the test's own transaction."""
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def grouped_creation_queries(users, actor: str) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(users, "in_app", "New comments", group_key=KEY, actor=actor)
    return len(work(ctx)), result.created


@pytest.mark.parametrize("as_queryset", [False, True], ids=["list", "queryset"])
def test_bulk_grouped_creation_is_a_constant_number_of_queries(as_queryset):
    def queries_for(count: int, prefix: str) -> int:
        users = make_users(count, prefix)
        in_app.create_notification(users[0], "Hello")  # one user has an ungrouped item
        create_notifications(users[: count // 2], "in_app", "New comments", group_key=KEY)
        recipients = User.objects.filter(username__startswith=prefix) if as_queryset else users
        queries, created = grouped_creation_queries(recipients, "Ann")
        assert len(created) == count
        counts = {n.target_user_record.user.username: n.group_count for n in created}
        assert counts == {u.username: 2 if i < count // 2 else 1 for i, u in enumerate(users)}
        assert {tuple(n.actors) for n in created} == {("Ann",)}
        return queries

    small, large = queries_for(4, "small"), queries_for(600, "large")
    # records, eligibility, lock (PostgreSQL), supersede, INSERT, records -> users
    assert small == large == 5 + (connection.vendor == "postgresql")
    item_counts = [inbox.unread_count(u) for u in User.objects.filter(username__startswith="la")]
    assert set(item_counts) == {1, 2}  # "Hello" stays an item of its own for the first user


def test_one_user_grouped_creation_queries(ada):
    comment(ada, "Bo")
    with CaptureQueriesContext(connection) as ctx:
        comment(ada, "Cy")
    # records, eligibility, lock (PostgreSQL), supersede, INSERT
    assert len(work(ctx)) == 4 + (connection.vendor == "postgresql"), work(ctx)
