"""Issue 13 case 6: ``extra`` is validated at creation (depth, size) with a clear
ValueError, and a large ``extra`` is stored: the de-duplication rule compares a hash of
``extra``, not ``extra`` itself, and still refuses an identical pending notification."""

import secrets

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from django_notification_system.exceptions import NotificationsNotCreated
from django_notification_system.models import Notification
from django_notification_system.models.extra import MAX_EXTRA_BYTES, MAX_EXTRA_DEPTH
from django_notification_system.notification_creators import email
from tests import factories

pytestmark = pytest.mark.django_db


def nested(depth: int) -> dict:
    extra: dict = {"leaf": 1}
    for _ in range(depth - 1):
        extra = {"d": extra}
    return extra


def incompressible(size: int) -> dict:
    """An ``extra`` of about ``size`` bytes of random text (no compression helps)."""
    return {"blob": secrets.token_hex(size // 2)[: size - 20]}


@pytest.fixture
def record():
    return factories.record()


@pytest.mark.parametrize("depth", [MAX_EXTRA_DEPTH + 1, 2000, 100_000])
def test_too_deep_extra_is_a_value_error_not_a_recursion_error(record, depth):
    with pytest.raises(ValueError, match="nested more than 32 levels"):
        email.create_notification(record.user, "T", "B", extra=nested(depth))
    with pytest.raises(ValueError, match="nested more than 32 levels"):
        factories.notification(record, extra=nested(depth))
    assert not Notification.objects.exists()


def test_extra_at_the_depth_limit_is_stored(record):
    (created,) = email.create_notification(record.user, "T", "B", extra=nested(MAX_EXTRA_DEPTH))
    assert Notification.objects.get(pk=created.pk).extra == nested(MAX_EXTRA_DEPTH)


def test_extra_over_the_size_limit_is_a_value_error(record):
    with pytest.raises(ValueError, match=f"the limit is {MAX_EXTRA_BYTES} bytes"):
        email.create_notification(
            record.user, "T", "B", extra=incompressible(MAX_EXTRA_BYTES + 64)
        )
    assert not Notification.objects.exists()


def test_large_incompressible_extra_is_stored_and_still_de_duplicated(record):
    """Over 2.7 KB the old btree index on ``extra`` raised OperationalError on PostgreSQL."""
    extra = incompressible(MAX_EXTRA_BYTES - 100)
    (created,) = email.create_notification(record.user, "T", "B", extra=extra)
    assert Notification.objects.get(pk=created.pk).extra == extra

    with pytest.raises(NotificationsNotCreated):
        email.create_notification(
            record.user, "T", "B", extra=dict(extra), scheduled_delivery=created.scheduled_delivery
        )
    other = {"blob": extra["blob"][:-1] + "!"}
    assert email.create_notification(
        record.user, "T", "B", extra=other, scheduled_delivery=created.scheduled_delivery
    )
    assert Notification.objects.count() == 2


@pytest.mark.parametrize("how", ["create", "bulk_create"])
def test_the_1_5_3_duplicate_rule_holds_outside_the_creators(record, how):
    when = factories.notification(record, extra={"a": 1, "b": [1, 2]}).scheduled_delivery
    duplicate = Notification(
        target_user_record=record,
        title="Hello",
        scheduled_delivery=when,
        extra={"b": [1, 2], "a": 1},
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        if how == "create":
            duplicate.save()
        else:
            Notification.objects.bulk_create([duplicate])
    # Different extra, or no extra at all (NULLs never conflict, as in 1.5.3): allowed.
    factories.notification(record, extra={"a": 2}, scheduled_delivery=when)
    factories.notification(record, extra=None, scheduled_delivery=when)
    factories.notification(record, extra=None, scheduled_delivery=when)
    assert Notification.objects.count() == 4


def test_the_hash_follows_extra_in_updates(record):
    n = factories.notification(record, extra={"a": 1})
    Notification.objects.filter(pk=n.pk).update(extra={"a": 2})
    twin = factories.notification(record, extra={"a": 1}, scheduled_delivery=n.scheduled_delivery)
    n.extra = {"a": 1}
    with pytest.raises(IntegrityError), transaction.atomic():
        n.save(update_fields=["extra"])
    n.extra = {"a": 3}
    Notification.objects.bulk_update([n], ["extra"])
    assert (
        Notification.objects.get(pk=n.pk).extra_hash
        != Notification.objects.get(pk=twin.pk).extra_hash
    )


def test_model_forms_get_the_same_checks_as_field_errors(record):
    n = Notification(target_user_record=record, title="Hi\r\nBcc: x@example.com", extra=nested(40))
    with pytest.raises(ValidationError) as invalid:
        n.full_clean()
    assert set(invalid.value.message_dict) >= {"title", "extra"}
    assert "line break" in invalid.value.message_dict["title"][0]
    assert "nested more than 32" in invalid.value.message_dict["extra"][0]
