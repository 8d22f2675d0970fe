"""Rows that must not be sent are settled at claim time; a misbehaving handler only
sends its own batch to RETRY; 1.5.3-style handlers keep working."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import (
    DeliveryAttempt,
    Notification,
    NotificationOptOut,
    TargetUserRecord,
)
from django_notification_system.signals import batch_recorded, notifications_settled
from tests.dispatch.conftest import statuses
from tests.dispatch.handlers import hanging, legacy

pytestmark = pytest.mark.django_db


def test_opted_out_inactive_and_unknown_channels_are_settled_or_released_with_a_reason(
    make_due,
):
    opted = make_due("email")
    NotificationOptOut.objects.filter(user=opted[0].target_user_record.user).delete()
    # Opt out after creation, bypassing the opt-out save hook, as a racing writer could.
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=opted[0].target_user_record.user, active=True)]
    )
    inactive = make_due("email")
    TargetUserRecord.objects.filter(pk=inactive[0].target_user_record_id).update(active=False)
    unknown = make_due("no_such_channel", 2)
    fine = make_due("email", 2)

    summary = process_notifications()

    assert summary.counts == {
        "OPTED OUT": 1,
        "INACTIVE DEVICE": 1,
        "RELEASED": 2,
        "DELIVERED": 2,
    }
    assert "no_such_channel" in summary.configuration_errors
    rows = {n.pk: n for n in Notification.objects.all()}
    assert rows[opted[0].pk].status == Notification.OPTED_OUT
    assert rows[inactive[0].pk].status == Notification.INACTIVE_DEVICE
    for n in unknown:  # a configuration error: released, no attempt counted, never failed
        assert rows[n.pk].status == Notification.RETRY
        assert rows[n.pk].retry_attempts == 0
        assert "no handler module 'no_such_channel'" in rows[n.pk].last_error
    assert sorted(m.subject for m in mail.outbox) == sorted(n.title for n in fine)
    assert all(rows[n.pk].claim_token is None for n in opted + inactive + unknown)


@pytest.mark.django_db(transaction=True)  # outside a transaction: the timeout is enforced
@override_settings(NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=1)
@pytest.mark.parametrize("channel", ["raising", "garbage", "hanging"])
def test_a_misbehaving_handler_sends_only_its_rows_to_retry(make_due, channel, caplog):
    bad = make_due(channel, 2)
    good = make_due("email", 2)
    try:
        summary = process_notifications()
    finally:
        hanging.RELEASE.set()
    assert summary.counts == {"RETRY": 2, "DELIVERED": 2}
    assert set(statuses(bad).values()) == {Notification.RETRY}
    assert set(statuses(good).values()) == {Notification.DELIVERED}
    assert all(
        n.retry_attempts == 1 for n in Notification.objects.filter(pk__in=[b.pk for b in bad])
    )
    assert any(channel in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    hanging.RELEASE.clear()


def test_a_configuration_error_is_reported_by_name_and_not_retried_forever(make_due):
    broken = make_due("misconfigured", 2)
    good = make_due("email", 2)
    summary = process_notifications(batch_size=1)
    assert "misconfigured" in summary.configuration_errors
    assert (
        'NOTIFICATION_SYSTEM_TARGETS["misconfigured"]["api_key"]'
        in (summary.configuration_errors["misconfigured"])
    )
    # Released once, then left out of the rest of the run: no attempt burned.
    assert summary.counts == {"RELEASED": 1, "DELIVERED": 2}
    rows = Notification.objects.filter(pk__in=[b.pk for b in broken])
    assert {n.retry_attempts for n in rows} == {0}
    assert {n.status for n in rows} <= {Notification.RETRY, Notification.SCHEDULED}
    assert set(statuses(good).values()) == {Notification.DELIVERED}


@pytest.mark.django_db(transaction=True)
def test_legacy_send_notification_handlers_keep_working(make_due):
    legacy.SENT.clear()
    plain = make_due("legacy", 2)
    saved_failure = make_due("legacy", extra={"save_status": Notification.DELIVERY_FAILURE})
    raising = make_due("legacy", extra={"raise": True})

    summary = process_notifications()

    assert sorted(legacy.SENT) == sorted(n.pk for n in plain)
    assert set(statuses(plain).values()) == {Notification.DELIVERED}
    assert statuses(saved_failure)[saved_failure[0].pk] == Notification.DELIVERY_FAILURE
    assert Notification.objects.get(pk=saved_failure[0].pk).claim_token is None
    assert statuses(raising)[raising[0].pk] == Notification.RETRY
    assert summary.counts == {"DELIVERED": 2, "DELIVERY FAILURE": 1, "RETRY": 1}
    assert DeliveryAttempt.objects.count() == 4


def test_signals_report_each_recorded_batch_and_each_settlement(make_due):
    make_due("email", 3)
    make_due("no_such_channel")
    recorded, settled = [], []

    def on_recorded(sender, results, claim_token, **kwargs):
        recorded.append(sorted(r.status for r in results))

    def on_settled(sender, notifications, status, reason, **kwargs):
        settled.append((len(notifications), status, reason))

    batch_recorded.connect(on_recorded)
    notifications_settled.connect(on_settled)
    try:
        process_notifications(batch_size=2)
    finally:
        batch_recorded.disconnect(on_recorded)
        notifications_settled.disconnect(on_settled)
    assert sum(len(r) for r in recorded) == 3
    assert all(set(r) == {"DELIVERED"} for r in recorded)
    ((count, status, reason),) = settled
    assert (count, status) == (1, "RETRY")
    assert "configuration error in handler 'no_such_channel'" in reason


def test_a_receiver_that_raises_does_not_stop_the_run(make_due):
    rows = make_due("email", 2)

    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    batch_recorded.connect(broken)
    try:
        summary = process_notifications(batch_size=1)
    finally:
        batch_recorded.disconnect(broken)
    assert summary.counts == {"DELIVERED": 2}
    assert set(statuses(rows).values()) == {Notification.DELIVERED}


def test_a_row_taken_over_after_its_lease_is_not_overwritten(make_due, monkeypatch):
    """A worker whose lease expired records nothing over the new holder's claim."""
    from django_notification_system.dispatch import run

    (n,) = make_due("email")
    real = run.send_with_handler

    def steal_then_send(handler, notifications):
        Notification.objects.filter(pk=n.pk).update(
            claim_token="00000000-0000-0000-0000-000000000001",
            lease_expires_at=timezone.now() + timedelta(minutes=10),
        )
        return real(handler, notifications)

    monkeypatch.setattr(run, "send_with_handler", steal_then_send)
    summary = process_notifications()
    n.refresh_from_db()
    assert n.status == Notification.SENDING
    assert str(n.claim_token) == "00000000-0000-0000-0000-000000000001"
    assert summary.lease_lost == 1
