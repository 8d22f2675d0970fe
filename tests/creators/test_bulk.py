"""The generic core: many users at once, a constant number of queries, a report of skips."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.models import (
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from django_notification_system.notification_creators.base import (
    CreationResult,
    SkipReason,
    create_notifications,
)
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


def make_users(count: int, prefix: str, module_name: str = "email") -> list:
    """``count`` users with one active record each on ``module_name``, in bulk."""
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    target = factories.target(module_name)
    TargetUserRecord.objects.bulk_create(
        [TargetUserRecord(user=u, target=target, target_user_id=f"{u.username}@x") for u in users]
    )
    return users


def queries_for(users, **kwargs) -> tuple[int, CreationResult]:
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications(users, "email", "T", "B", **kwargs)
    return len(ctx.captured_queries), result


@pytest.mark.parametrize("as_queryset", [False, True], ids=["list", "queryset"])
def test_query_count_does_not_grow_with_users(as_queryset):
    small, large = make_users(10, "s"), make_users(500, "l")
    if as_queryset:
        small = User.objects.filter(username__startswith="s")
        large = User.objects.filter(username__startswith="l")
    small_queries, small_result = queries_for(small)
    large_queries, large_result = queries_for(large)
    assert len(small_result.created) == 10
    assert len(large_result.created) == 500
    assert small_queries == large_queries <= 3
    assert Notification.objects.count() == 510


def test_mixed_population_is_reported_per_reason():
    served = make_users(3, "ok")
    opted_out = make_users(2, "out")
    for user in opted_out:
        NotificationOptOut.objects.create(user=user, active=True)
    bare = [factories.user("bare0"), factories.user("bare1")]
    inactive = factories.record(factories.user("inactive"), active=False).user
    other_channel = factories.record(factories.user("sms"), "twilio", address="+1555").user
    when = timezone.now()
    already = make_users(2, "dup")
    create_notifications(already, "email", "T", "B", scheduled_delivery=when)

    everyone = served + opted_out + bare + [inactive, other_channel] + already
    result = create_notifications(everyone, "email", "T", "B", scheduled_delivery=when)

    assert sorted(n.target_user_record.user_id for n in result.created) == [u.pk for u in served]
    assert sorted(result.skipped_for(SkipReason.OPTED_OUT)) == [u.pk for u in opted_out]
    assert sorted(result.skipped_for(SkipReason.NO_ACTIVE_RECORD)) == sorted(
        [u.pk for u in bare] + [inactive.pk, other_channel.pk]
    )
    assert sorted(result.skipped_for(SkipReason.ALREADY_SCHEDULED)) == [u.pk for u in already]
    assert result.counts() == {
        "created": 3,
        "opted_out": 2,
        "no_active_record": 4,
        "already_scheduled": 2,
        "preference": 0,
        "duplicate_key": 0,
    }


def test_accepts_pks_and_small_batches():
    users = make_users(6, "b")
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications([u.pk for u in users], "email", "T", "B", batch_size=3)
    assert len(result.created) == 6
    assert len(ctx.captured_queries) == 2 * 3  # two batches of three queries


def test_a_queryset_of_another_model_is_refused():
    with pytest.raises(TypeError, match="QuerySet of User"):
        create_notifications(NotificationTarget.objects.all(), "email", "T", "B")


def test_a_user_with_several_records_gets_one_row_each():
    user = factories.user("multi")
    factories.record(user, address="a@example.com")
    factories.record(user, address="b@example.com")
    others = make_users(2, "other")
    result = create_notifications([user, *others], "email", "T", "B")
    assert len(result.created) == 4
    assert result.skipped == {}


def test_unknown_channel_creates_nothing_and_reports_no_record():
    users = make_users(2, "u")
    result = create_notifications(users, "nothing_serves_this", "T", "B")
    assert result.created == []
    assert set(result.skipped.values()) == {SkipReason.NO_ACTIVE_RECORD}


def test_custom_channel_without_creator_module_uses_the_generic_core():
    user = factories.user("p")
    factories.record(user, "fax", address="+1999")
    result = create_notifications([user], "fax", "T", "B")
    assert result.created[0].retry_time_interval == 1440


def test_channel_hooks_apply_in_bulk():
    users = make_users(2, "e")
    extra = {"template_name": "creators/welcome.html", "name": "all", "code": 7}
    result = create_notifications(users, "email", "Hi", extra=extra)
    assert {n.body.strip() for n in Notification.objects.all()} == {
        "<p>Hello all, your code is 7.</p>"
    }
    assert len(result.created) == 2
    with pytest.raises(ValueError, match="template_name"):
        create_notifications(users, "email", "Hi")


def test_empty_user_list_does_nothing():
    with CaptureQueriesContext(connection) as ctx:
        result = create_notifications([], "email", "T", "B")
    assert result == CreationResult()
    assert len(ctx.captured_queries) == 0
