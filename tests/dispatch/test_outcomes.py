"""Each outcome a handler returns ends in the documented state, written in bulk."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification, TargetUserRecord
from tests.dispatch.conftest import statuses

pytestmark = pytest.mark.django_db


def test_due_emails_are_delivered_through_the_email_backend(make_due):
    rows = make_due("email", 3)
    summary = process_notifications()
    assert summary.counts == {"DELIVERED": 3}
    assert sorted(m.subject for m in mail.outbox) == sorted(r.title for r in rows)
    for n in Notification.objects.filter(pk__in=[r.pk for r in rows]):
        assert n.status == Notification.DELIVERED
        assert n.attempted_delivery is not None
        assert n.claim_token is None and n.lease_expires_at is None
    assert DeliveryAttempt.objects.filter(outcome="delivered").count() == 3


def test_rows_not_due_are_left_alone(make_due):
    now = timezone.now()
    future = make_due("email", scheduled_delivery=now + timedelta(hours=1))
    retry_later = make_due(
        "email",
        status=Notification.RETRY,
        attempted_delivery=now,
        scheduled_delivery=now + timedelta(minutes=5),
    )
    done = make_due("email", status=Notification.DELIVERED, attempted_delivery=now)
    live_lease = make_due(
        "email",
        status=Notification.SENDING,
        attempted_delivery=now,
        lease_expires_at=now + timedelta(minutes=5),
    )
    assert process_notifications().claimed == 0
    rows = future + retry_later + done + live_lease
    assert statuses(rows) == {r.pk: r.status for r in rows}
    assert mail.outbox == []


def test_expired_lease_and_due_retry_rows_are_taken(make_due):
    now = timezone.now()
    expired = make_due(
        "email",
        status=Notification.SENDING,
        attempted_delivery=now - timedelta(hours=1),
        lease_expires_at=now - timedelta(seconds=1),
    )
    retry = make_due("email", status=Notification.RETRY, attempted_delivery=now)
    summary = process_notifications()
    assert summary.counts == {"DELIVERED": 2}
    assert set(statuses(expired + retry).values()) == {Notification.DELIVERED}


def test_provider_message_ids_are_stored_per_row(make_due):
    a = make_due("scripted", extra={"provider_message_id": "id-a"})
    b = make_due("scripted", extra={"provider_message_id": "id-b"})
    process_notifications()
    assert Notification.objects.get(pk=a[0].pk).provider_message_id == "id-a"
    assert Notification.objects.get(pk=b[0].pk).provider_message_id == "id-b"
    assert set(DeliveryAttempt.objects.values_list("provider_message_id", flat=True)) == {
        "id-a",
        "id-b",
    }


def test_retry_counts_the_attempt_and_waits_the_fixed_interval(make_due):
    (n,) = make_due(
        "scripted",
        extra={"outcome": "retry", "error": "busy"},
        retry_time_interval=7,
        max_retries=3,
    )
    before = timezone.now()
    summary = process_notifications()
    n.refresh_from_db()
    assert summary.counts == {"RETRY": 1}
    assert (n.status, n.retry_attempts, n.last_error) == (Notification.RETRY, 1, "busy")
    assert before + timedelta(minutes=7) <= n.scheduled_delivery
    assert n.scheduled_delivery <= timezone.now() + timedelta(minutes=7)


def test_retry_on_the_last_allowed_attempt_is_a_delivery_failure(make_due):
    (n,) = make_due(
        "scripted",
        extra={"outcome": "retry", "error": "still busy"},
        status=Notification.RETRY,
        attempted_delivery=timezone.now(),
        retry_attempts=2,
        max_retries=3,
    )
    process_notifications()
    n.refresh_from_db()
    assert (n.status, n.retry_attempts, n.last_error) == (
        Notification.DELIVERY_FAILURE,
        3,
        "still busy",
    )


def test_provider_retry_after_wins_when_longer(make_due):
    (n,) = make_due(
        "scripted", extra={"outcome": "retry", "after_minutes": 90}, retry_time_interval=1
    )
    process_notifications()
    n.refresh_from_db()
    assert n.scheduled_delivery >= timezone.now() + timedelta(minutes=89)


def test_a_retry_is_not_repeated_within_the_same_run(make_due):
    (n,) = make_due("scripted", extra={"outcome": "retry"}, retry_time_interval=0, max_retries=5)
    process_notifications()
    n.refresh_from_db()
    assert (n.status, n.retry_attempts) == (Notification.RETRY, 1)


@pytest.mark.parametrize(
    ("outcome", "status", "record_active"),
    [
        ("failed", Notification.DELIVERY_FAILURE, True),
        ("inactive", Notification.INACTIVE_DEVICE, False),
        ("opted_out", Notification.OPTED_OUT, False),
    ],
)
def test_final_outcomes(make_due, outcome, status, record_active):
    (n,) = make_due("scripted", extra={"outcome": outcome, "error": f"said {outcome}"})
    process_notifications()
    n.refresh_from_db()
    assert (n.status, n.last_error) == (status, f"said {outcome}")
    assert TargetUserRecord.objects.get(pk=n.target_user_record_id).active is record_active
    assert DeliveryAttempt.objects.get(notification=n).error == f"said {outcome}"


@override_settings(NOTIFICATION_SYSTEM_RETRY_POLICY="exponential")
def test_exponential_policy_backs_off_within_bounds(make_due):
    (n,) = make_due(
        "scripted",
        extra={"outcome": "retry"},
        retry_time_interval=10,
        status=Notification.RETRY,
        attempted_delivery=timezone.now(),
        retry_attempts=2,
        max_retries=10,
    )
    before = timezone.now()
    process_notifications()
    n.refresh_from_db()
    # third failure: 10 * 2**2 = 40 minutes, jittered into [20, 40]
    assert before + timedelta(minutes=20) <= n.scheduled_delivery
    assert n.scheduled_delivery <= timezone.now() + timedelta(minutes=40)
