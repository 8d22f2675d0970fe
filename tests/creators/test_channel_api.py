"""The documented per-channel creators: signature, rows created, 1.5.3 exceptions, dedup."""

import inspect
from datetime import timedelta

import pytest
from django.utils import timezone

from django_notification_system.exceptions import (
    NotificationNotSent,
    NotificationsNotCreated,
    NotificationSystemError,
    UserHasNoTargetRecords,
    UserHasNoTargets,
    UserIsOptedOut,
)
from django_notification_system.models import (
    Notification,
    NotificationOptOut,
    NotificationTarget,
)
from django_notification_system.notification_creators import email, expo, twilio
from tests import factories

pytestmark = pytest.mark.django_db

CHANNELS = {"email": (email, 1440), "twilio": (twilio, 1440), "expo": (expo, 60)}


@pytest.mark.parametrize("name", CHANNELS)
def test_documented_signature(name):
    module, retry_default = CHANNELS[name]
    params = inspect.signature(module.create_notification).parameters
    # The documented 1.5.3 parameters, in order; later keyword parameters are additions.
    assert list(params)[:8] == [
        "user",
        "title",
        "body",
        "scheduled_delivery",
        "retry_time_interval",
        "max_retries",
        "quiet",
        "extra",
    ]
    assert {"idempotency_key", "cancel_key"} <= set(params)
    defaults = {key: p.default for key, p in params.items()}
    assert defaults["body"] == ""
    assert defaults["scheduled_delivery"] is None
    assert defaults["retry_time_interval"] == retry_default
    assert defaults["max_retries"] == 3
    assert defaults["quiet"] is False
    assert defaults["extra"] is None
    assert all(p.default is not inspect.Parameter.empty for p in list(params.values())[8:])
    assert defaults["category"] is None


@pytest.mark.parametrize("name", CHANNELS)
def test_one_scheduled_row_per_active_record_of_that_channel(name):
    module, retry_default = CHANNELS[name]
    user = factories.user("ada")
    address = "ExponentPushToken[{}]" if name == "expo" else "{}"
    first = factories.record(user, name, address=address.format(f"{name}-1"))
    second = factories.record(user, name, address=address.format(f"{name}-2"))
    factories.record(user, name, address=address.format(f"{name}-dead"), active=False)
    other = "twilio" if name != "twilio" else "email"
    factories.record(user, other, address="elsewhere")
    before = timezone.now()

    created = module.create_notification(user, "Title", "Body")

    rows = Notification.objects.order_by("target_user_record__target_user_id")
    assert [n.target_user_record_id for n in rows] == [first.pk, second.pk]
    assert sorted(n.pk for n in created) == sorted(n.pk for n in rows)
    for row in rows:
        assert row.status == Notification.SCHEDULED
        assert row.retry_time_interval == retry_default
        assert row.max_retries == 3
        assert row.body == "Body"
        assert row.extra == {}
        assert before <= row.scheduled_delivery <= timezone.now()


def test_returned_objects_match_the_stored_rows():
    record = factories.record(module_name="twilio", address="+15550002")
    when = timezone.now() + timedelta(days=2)
    (created,) = twilio.create_notification(
        record.user, "T", "B", scheduled_delivery=when, retry_time_interval=7, max_retries=5
    )
    stored = Notification.objects.get()
    for attr in ("pk", "target_user_record_id", "title", "body", "status", "max_retries"):
        assert getattr(created, attr) == getattr(stored, attr)
    assert created.scheduled_delivery == stored.scheduled_delivery == when
    assert stored.retry_time_interval == 7
    assert stored.pk.version == 4
    assert created.created_date == stored.created_date
    assert not created._state.adding


def test_targets_are_found_by_module_name_not_display_name():
    record = factories.record(module_name="expo", address="ExponentPushToken[x]")
    NotificationTarget.objects.filter(notification_module_name="expo").update(name="Phones")
    assert len(expo.create_notification(record.user, "T", "B")) == 1


def test_opted_out_user_raises_and_nothing_is_created():
    record = factories.record()
    NotificationOptOut.objects.create(user=record.user, active=True)
    with pytest.raises(UserIsOptedOut):
        email.create_notification(record.user, "T", "B")
    assert email.create_notification(record.user, "T", "B", quiet=True) == []
    assert not Notification.objects.exists()


def test_inactive_opt_out_does_not_block():
    record = factories.record()
    NotificationOptOut.objects.create(user=record.user, active=False)
    assert len(email.create_notification(record.user, "T", "B")) == 1


def test_user_without_active_record_raises():
    user = factories.user()
    factories.record(user, active=False)
    with pytest.raises(UserHasNoTargetRecords):
        email.create_notification(user, "T", "B")
    assert email.create_notification(user, "T", "B", quiet=True) == []


def test_same_call_twice_creates_one_row_and_then_raises():
    record = factories.record(module_name="twilio", address="+15550001")
    when = timezone.now()
    twilio.create_notification(record.user, "T", "B", scheduled_delivery=when, extra={"k": 1})
    with pytest.raises(NotificationsNotCreated):
        twilio.create_notification(record.user, "T", "B", scheduled_delivery=when, extra={"k": 1})
    assert (
        twilio.create_notification(
            record.user, "T", "B", scheduled_delivery=when, extra={"k": 1}, quiet=True
        )
        == []
    )
    assert Notification.objects.count() == 1


def test_extra_key_order_does_not_defeat_dedup():
    record = factories.record(module_name="expo", address="ExponentPushToken[y]")
    when = timezone.now()
    extra_one = {"data": {"b": 1, "a": [1, {"z": 0, "y": 1}]}, "badge": 2}
    extra_two = {"badge": 2, "data": {"a": [1, {"y": 1, "z": 0}], "b": 1}}
    expo.create_notification(record.user, "T", "B", scheduled_delivery=when, extra=extra_one)
    with pytest.raises(NotificationsNotCreated):
        expo.create_notification(record.user, "T", "B", scheduled_delivery=when, extra=extra_two)
    assert Notification.objects.get().extra == extra_one


def test_a_different_title_time_or_extra_is_a_new_row():
    record = factories.record()
    when = timezone.now()
    email.create_notification(record.user, "T", "B", scheduled_delivery=when)
    email.create_notification(record.user, "T2", "B", scheduled_delivery=when)
    email.create_notification(record.user, "T", "B", scheduled_delivery=when + timedelta(1))
    email.create_notification(record.user, "T", "B", scheduled_delivery=when, extra={"x": 1})
    assert Notification.objects.count() == 4


def test_partial_duplicates_create_only_the_missing_row():
    user = factories.user()
    factories.record(user, address="one@example.com")
    when = timezone.now()
    email.create_notification(user, "T", "B", scheduled_delivery=when)
    new_record = factories.record(user, address="two@example.com")
    (created,) = email.create_notification(user, "T", "B", scheduled_delivery=when)
    assert created.target_user_record_id == new_record.pk


def test_exception_hierarchy_is_the_documented_one():
    assert issubclass(UserIsOptedOut, NotificationNotSent)
    assert issubclass(UserHasNoTargetRecords, NotificationNotSent)
    assert UserHasNoTargets is UserHasNoTargetRecords
    for exc in (NotificationsNotCreated, NotificationNotSent):
        assert issubclass(exc, NotificationSystemError)
