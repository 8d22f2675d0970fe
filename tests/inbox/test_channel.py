"""The in-app channel: a preloaded target, a creator that needs no address, bulk creation
in a constant number of queries, items visible when due, and a handler that settles them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.exceptions import (
    NotificationsNotCreated,
    NotificationSystemConfigurationError,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from django_notification_system.models import (
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from django_notification_system.notification_creators import get_creator, in_app
from django_notification_system.notification_creators.base import (
    SkipReason,
    create_notifications,
)
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


def in_app_records(user) -> list[TargetUserRecord]:
    return list(
        TargetUserRecord.objects.filter(user=user, target__notification_module_name="in_app")
    )


def test_a_migration_preloads_the_in_app_target():
    target = NotificationTarget.objects.get(notification_module_name="in_app")
    assert target.name == "In-App"
    assert get_creator("in_app") is in_app.create_notification


def test_the_users_record_is_created_on_first_use_and_reused():
    user = factories.user("ada")
    assert in_app_records(user) == []
    first = in_app.create_notification(user, "Order shipped", "It is on its way", url="/orders/7")
    records = in_app_records(user)
    assert len(records) == 1 and records[0].active
    assert records[0].target_user_id == str(user.pk)
    assert [n.target_user_record_id for n in first] == [records[0].pk]
    assert first[0].url == "/orders/7" and first[0].body == "It is on its way"

    in_app.create_notification(user, "Order delivered")
    assert in_app_records(user) == records
    assert Notification.objects.filter(target_user_record=records[0]).count() == 2


def test_creator_conventions_match_the_other_channels():
    user = factories.user("bo")
    in_app.create_notification(user, "Hi", scheduled_delivery=timezone.now())
    with pytest.raises(ValueError, match="non-empty title"):
        in_app.create_notification(user, "  ")
    with pytest.raises(ValueError, match="javascript"):
        in_app.create_notification(user, "Click", url="javascript:alert(1)")
    with pytest.raises(ValueError, match="limit is 500"):
        in_app.create_notification(user, "Long", url="/" + "x" * 500)

    moment = timezone.now() - timedelta(minutes=1)
    in_app.create_notification(user, "Once", scheduled_delivery=moment)
    with pytest.raises(NotificationsNotCreated):
        in_app.create_notification(user, "Once", scheduled_delivery=moment)
    assert in_app.create_notification(user, "Once", scheduled_delivery=moment, quiet=True) == []

    NotificationOptOut.objects.create(user=user, active=True)
    with pytest.raises(UserIsOptedOut):
        in_app.create_notification(user, "Not for you")


def test_a_deactivated_in_app_record_turns_the_inbox_off_for_that_user():
    user = factories.user("cy")
    in_app.create_notification(user, "Hello")
    TargetUserRecord.objects.filter(user=user).update(active=False)
    with pytest.raises(UserHasNoTargetRecords):
        in_app.create_notification(user, "Again")
    assert len(in_app_records(user)) == 1  # not re-created behind the admin's back


def make_users(count: int, prefix: str) -> list:
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


@pytest.mark.parametrize("as_queryset", [False, True], ids=["list", "queryset"])
def test_bulk_creation_is_a_constant_number_of_queries(as_queryset):
    users = make_users(300, "fan")
    in_app.create_notification(users[0], "Earlier")  # one user already has a record
    NotificationOptOut.objects.create(user=users[1], active=True)
    recipients = User.objects.filter(username__startswith="fan") if as_queryset else users
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(recipients, "in_app", "Maintenance tonight", url="/status")
    # provide records, eligibility, INSERT ... SELECT, records -> users for the report
    assert len(ctx.captured_queries) <= 4, [q["sql"][:80] for q in ctx.captured_queries]
    assert len(result.created) == 299
    assert result.skipped == {users[1].pk: SkipReason.OPTED_OUT}
    assert TargetUserRecord.objects.filter(target__notification_module_name="in_app").count() == (
        299  # the opted-out user gets a record too: it is harmless and saves a query
        + 1
    )
    assert {n.url for n in result.created} == {"/status"}

    with CaptureQueriesContext(connection) as ctx:
        again = create_notifications(recipients, "in_app", "Second notice")
    assert len(ctx.captured_queries) <= 4
    assert len(again.created) == 299


def test_bulk_creation_queries_do_not_grow_with_the_number_of_users():
    def queries_for(count: int, prefix: str) -> int:
        users = make_users(count, prefix)
        with CaptureQueriesContext(connection) as ctx:
            create_notifications(users, "in_app", "Hello")
        return len(ctx.captured_queries)

    assert queries_for(10, "small") == queries_for(1000, "large")


def test_visible_when_due_without_a_dispatch_run():
    user = factories.user("di")
    now = timezone.now()
    in_app.create_notification(user, "Now", scheduled_delivery=now - timedelta(seconds=1))
    in_app.create_notification(user, "Later", scheduled_delivery=now + timedelta(hours=1))
    assert [n.title for n in inbox.inbox(user)] == ["Now"]
    assert Notification.objects.get(title="Now").status == Notification.SCHEDULED
    assert inbox.unread_count(user) == 1


@pytest.mark.django_db(transaction=True)
def test_the_dispatcher_marks_due_in_app_rows_delivered_and_they_stay_in_the_inbox():
    factories.target("in_app")  # data migrations' rows are flushed between transactional tests
    user = factories.user("ed")
    in_app.create_notification(user, "Due")
    in_app.create_notification(user, "Future", scheduled_delivery=timezone.now() + timedelta(1))
    call_command("process_notifications")
    statuses = dict(Notification.objects.values_list("title", "status"))
    assert statuses == {"Due": Notification.DELIVERED, "Future": Notification.SCHEDULED}
    due = Notification.objects.get(title="Due")
    assert due.attempted_delivery is not None
    assert [n.title for n in inbox.inbox(user)] == ["Due"]
    assert inbox.unread_count(user) == 1


def test_a_missing_in_app_target_is_reported_by_name():
    NotificationTarget.objects.filter(notification_module_name="in_app").delete()
    with pytest.raises(NotificationSystemConfigurationError, match="notification_module_name"):
        in_app.create_notification(factories.user("gu"), "Hello")


def test_opted_out_rows_leave_the_inbox():
    user = factories.user("fa")
    (row,) = in_app.create_notification(user, "Hello")
    Notification.objects.filter(pk=row.pk).update(status=Notification.OPTED_OUT)
    assert list(inbox.inbox(user)) == []
    assert inbox.unread_count(user) == 0
