"""The documented models, their save-time rules, database constraints and the opt-out cascade."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.models import (
    DeliveryAttempt,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_status_constants_are_the_documented_strings():
    assert Notification.SCHEDULED == "SCHEDULED"
    assert Notification.DELIVERED == "DELIVERED"
    assert Notification.DELIVERY_FAILURE == "DELIVERY FAILURE"
    assert Notification.RETRY == "RETRY"
    assert Notification.INACTIVE_DEVICE == "INACTIVE DEVICE"
    assert Notification.OPTED_OUT == "OPTED OUT"
    assert Notification.SENDING == "SENDING"


def test_builtin_targets_are_preloaded():
    pairs = set(NotificationTarget.objects.values_list("name", "notification_module_name"))
    assert {("Email", "email"), ("Twilio", "twilio"), ("Expo", "expo")} <= pairs
    assert ("Web Push", "webpush") in pairs


def test_documented_defaults_and_uuid_keys():
    n = factories.notification()
    n.refresh_from_db()
    assert n.status == Notification.SCHEDULED
    assert n.extra == {}
    assert (n.retry_time_interval, n.retry_attempts, n.max_retries) == (0, 0, 3)
    assert n.attempted_delivery is None
    assert len(str(n.pk)) == 36
    assert n.created_date is not None and n.modified_date is not None


def test_rule1_scheduled_with_attempted_delivery_is_refused():
    n = factories.notification()
    n.attempted_delivery = timezone.now()
    with pytest.raises(ValidationError, match="Rule 1"):
        n.save()


@pytest.mark.parametrize(
    "status", [Notification.DELIVERED, Notification.RETRY, Notification.DELIVERY_FAILURE]
)
def test_rule2_attempted_delivery_required(status):
    n = factories.notification()
    n.status = status
    with pytest.raises(ValidationError, match="Rule 2"):
        n.save()
    n.attempted_delivery = timezone.now()
    n.save()
    assert Notification.objects.get(pk=n.pk).status == status


def test_rule2_allows_opted_out_without_attempt():
    n = factories.notification()
    n.status = Notification.OPTED_OUT
    n.save()


def test_rule3_opted_out_user_cannot_get_notifications():
    rec = factories.record()
    NotificationOptOut.objects.create(user=rec.user, active=True)
    with pytest.raises(ValidationError, match="Rule 3"):
        factories.notification(rec)
    assert not Notification.objects.exists()


def test_inactive_opt_out_does_not_block():
    rec = factories.record()
    NotificationOptOut.objects.create(user=rec.user, active=False)
    factories.notification(rec)


@pytest.mark.parametrize(
    ("status", "attempted"),
    [("SCHEDULED", True), ("DELIVERED", False), ("NOT A STATUS", True)],
)
def test_database_constraints_stop_bulk_updates(status, attempted):
    n = factories.notification()
    values = {"status": status}
    if attempted:
        values["attempted_delivery"] = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=n.pk).update(**values)


def test_identical_notification_is_refused_by_the_database():
    n = factories.notification(extra={"k": 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    target_user_record=n.target_user_record,
                    title=n.title,
                    scheduled_delivery=n.scheduled_delivery,
                    extra={"k": 1},
                )
            ]
        )


def test_target_user_record_unique():
    rec = factories.record()
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetUserRecord.objects.create(
            user=rec.user, target=rec.target, target_user_id=rec.target_user_id
        )


def test_active_opt_out_settles_pending_notifications_in_one_query():
    rec = factories.record()
    now = timezone.now()
    scheduled = factories.notification(rec, title="a")
    retry = factories.notification(
        rec, title="b", status=Notification.RETRY, attempted_delivery=now
    )
    delivered = factories.notification(
        rec, title="c", status=Notification.DELIVERED, attempted_delivery=now
    )
    other = factories.notification(factories.record(factories.user("bob")), title="d")
    with CaptureQueriesContext(connection) as ctx:
        NotificationOptOut.objects.create(user=rec.user, active=True)
    notification_updates = [
        q
        for q in ctx.captured_queries
        if q["sql"].startswith("UPDATE") and "notification_system_notification" in q["sql"]
    ]
    assert len(notification_updates) == 1
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[scheduled.pk] == Notification.OPTED_OUT
    assert statuses[retry.pk] == Notification.OPTED_OUT
    assert statuses[delivered.pk] == Notification.DELIVERED
    assert statuses[other.pk] == Notification.SCHEDULED
    assert "opted out" in Notification.objects.get(pk=scheduled.pk).last_error


def test_inactive_opt_out_leaves_notifications_alone():
    n = factories.notification()
    NotificationOptOut.objects.create(user=n.target_user_record.user, active=False)
    assert Notification.objects.get(pk=n.pk).status == Notification.SCHEDULED


def test_delivery_attempts_are_kept_per_notification():
    n = factories.notification()
    DeliveryAttempt.objects.create(notification=n, outcome="retry", error="timeout")
    DeliveryAttempt.objects.create(notification=n, outcome="delivered", provider_message_id="x")
    assert [a.outcome for a in n.attempts.all()] == ["retry", "delivered"]


@pytest.mark.postgresql_only
def test_due_rows_query_is_an_index_scan_on_postgresql(db_vendor):
    if db_vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    rows = factories.due_notifications(3000)
    now = timezone.now()
    Notification.objects.filter(pk__in=[r.pk for r in rows[:2950]]).update(
        status=Notification.DELIVERED, attempted_delivery=now
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notification_system_notification")
        # Earlier tests' rolled-back rows leave dead entries that bloat the small partial
        # index until autovacuum runs, which can tip a cost comparison against it. With
        # sorting priced out, the plan shows whether the index serves both the filter and
        # the order, whatever that timing.
        cursor.execute("SET LOCAL enable_sort = off")
    plan = (
        Notification.objects.filter(
            status__in=["SCHEDULED", "RETRY", "SENDING"], scheduled_delivery__lte=now
        )
        .order_by("scheduled_delivery")
        .explain()
    )
    assert "dns_notification_due_idx" in plan, plan
