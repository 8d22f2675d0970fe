"""The 1.5.3 ``django_notification_system.utils`` helpers work on the current models."""

from __future__ import annotations

import importlib
import sys
from datetime import timedelta

import django
import pytest
from django.test import RequestFactory
from django.utils import timezone

from django_notification_system import utils
from django_notification_system.exceptions import UserIsOptedOut
from django_notification_system.models import Notification, NotificationOptOut, TargetUserRecord
from tests import factories

from . import legacy_handler

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(db) -> Notification:
    return factories.notification(retry_time_interval=30, max_retries=3)


def test_check_for_user_opt_out_raises_only_for_an_active_opt_out():
    ada, bob, cy = factories.user("ada"), factories.user("bob"), factories.user("cy")
    NotificationOptOut.objects.create(user=bob, active=True)
    NotificationOptOut.objects.create(user=cy, active=False)
    with pytest.deprecated_call(match="check_for_user_opt_out"):
        utils.check_for_user_opt_out(ada)
    with pytest.deprecated_call(), pytest.raises(UserIsOptedOut):
        utils.check_for_user_opt_out(bob)
    with pytest.deprecated_call():
        utils.check_for_user_opt_out(cy)


def test_user_notification_targets_are_the_active_records_on_the_named_target():
    ada = factories.user("ada")
    active = factories.record(ada, "email", "ada@example.com")
    factories.record(ada, "email", "old@example.com", active=False)
    factories.record(ada, "twilio", "+15550100")
    factories.record(factories.user("bob"), "email")
    with pytest.deprecated_call(match="user_notification_targets"):
        records = utils.user_notification_targets(ada, "Email")
    assert list(records) == [active]


def test_a_failed_attempt_becomes_retry_after_the_notifications_interval(pending):
    before = timezone.now()
    with pytest.deprecated_call(match="check_and_update_retry_attempts"):
        utils.check_and_update_retry_attempts(pending)
    after = timezone.now()
    pending.refresh_from_db()
    assert (pending.status, pending.retry_attempts) == (Notification.RETRY, 1)
    assert before <= pending.attempted_delivery <= after
    assert before + timedelta(minutes=30) <= pending.scheduled_delivery
    assert pending.scheduled_delivery <= after + timedelta(minutes=30)


def test_minute_interval_overrides_the_notifications_interval(pending):
    before = timezone.now()
    with pytest.deprecated_call():
        utils.check_and_update_retry_attempts(pending, minute_interval=90)
    pending.refresh_from_db()
    assert pending.status == Notification.RETRY
    assert pending.scheduled_delivery >= before + timedelta(minutes=90)


@pytest.mark.parametrize("attempts_so_far", [2, 3, 7])
def test_the_last_allowed_attempt_becomes_delivery_failure(pending, attempts_so_far):
    scheduled = pending.scheduled_delivery
    Notification.objects.filter(pk=pending.pk).update(retry_attempts=attempts_so_far)
    pending.refresh_from_db()
    with pytest.deprecated_call():
        utils.check_and_update_retry_attempts(pending)
    pending.refresh_from_db()
    assert pending.status == Notification.DELIVERY_FAILURE
    assert pending.retry_attempts == max(attempts_so_far, 3)
    assert pending.attempted_delivery is not None
    assert pending.scheduled_delivery == scheduled


def test_a_claimed_notification_can_be_retried(pending):
    now = timezone.now()
    Notification.objects.filter(pk=pending.pk).update(
        status=Notification.SENDING, attempted_delivery=now, lease_expires_at=now
    )
    pending.refresh_from_db()
    with pytest.deprecated_call():
        utils.check_and_update_retry_attempts(pending)
    assert Notification.objects.get(pk=pending.pk).status == Notification.RETRY


def test_a_1_5_3_style_handler_saves_valid_states(pending, monkeypatch):
    monkeypatch.setattr(legacy_handler, "PROVIDER_ERROR", "pager network down")
    with pytest.deprecated_call():
        assert legacy_handler.send_notification(pending).startswith("Pager could not")
    pending.refresh_from_db()
    assert (pending.status, pending.retry_attempts) == (Notification.RETRY, 1)

    monkeypatch.setattr(legacy_handler, "PROVIDER_ERROR", None)
    assert legacy_handler.send_notification(pending) == "Pager Successfully Sent"
    pending.refresh_from_db()
    assert pending.status == Notification.DELIVERED


def admin_filter(filter_class, value: str | None, model, user=None):
    """A list filter as the changelist builds it (Django 5 passes lists of values)."""
    params = {}
    if value is not None:
        params[filter_class.parameter_name] = [value] if django.VERSION >= (5, 0) else value
    request = RequestFactory().get("/")
    request.user = user
    return filter_class(request, params, model, None), request


def test_the_1_5_3_admin_helpers_import_with_a_warning_and_filter():
    sys.modules.pop("django_notification_system.utils.admin_site_utils", None)
    with pytest.deprecated_call(match="admin_site_utils"):
        helpers = importlib.import_module("django_notification_system.utils.admin_site_utils")
    sent = factories.notification(
        title="sent", status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    waiting = factories.notification(factories.record(factories.user("bob")), title="waiting")
    everything = Notification.objects.all()
    is_null = helpers.is_null_filter_factory("attempted_delivery")
    for value, expected in [("null", [waiting]), ("not_null", [sent]), (None, [sent, waiting])]:
        list_filter, request = admin_filter(is_null, value, Notification)
        assert sorted(list_filter.queryset(request, everything), key=str) == expected

    ada = sent.target_user_record.user
    just_me, request = admin_filter(helpers.MeOrAllFilter, "true", TargetUserRecord, ada)
    assert list(just_me.queryset(request, TargetUserRecord.objects.all())) == [
        sent.target_user_record
    ]
    assert 'target="_blank">edit</a>' in helpers.EditLinkToInlineObject().edit_link(sent)
    assert "user__email" in helpers.USER_SEARCH_FIELDS
