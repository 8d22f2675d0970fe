"""The built-in handlers' 1.5.3 ``send_notification`` records by the dispatcher's rules,
alone or when a 1.5.3 handler calls it during a dispatcher run."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from django_notification_system.notification_handlers import email
from tests.dispatch.conftest import statuses
from tests.fakes.smtp import FakeSMTP

pytestmark = pytest.mark.django_db

BUSY = "450 4.2.1 Mailbox busy, try later"


@pytest.fixture
def smtp(settings):
    """Real SMTP on loopback, refusing (temporarily) the addresses a test puts in ``refuse``."""
    with FakeSMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield server


def _address(notification) -> str:
    return notification.target_user_record.target_user_id


def test_a_delivery_is_recorded_with_one_attempt(make_due):
    [notification] = make_due("email")

    assert email.send_notification(notification) == "Email Successfully Sent"

    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERED
    assert notification.last_error == ""
    [attempt] = DeliveryAttempt.objects.filter(notification=notification)
    assert attempt.outcome == "delivered"


def test_the_last_allowed_failure_is_a_delivery_failure(make_due, smtp):
    [notification] = make_due("email", max_retries=2, retry_attempts=1)
    smtp.refuse[_address(notification)] = BUSY

    result = email.send_notification(notification)

    assert result.startswith("Email could not be sent: ")
    assert "450" in result
    notification.refresh_from_db()
    assert notification.status == Notification.DELIVERY_FAILURE
    assert notification.retry_attempts == 2
    assert DeliveryAttempt.objects.get(notification=notification).outcome != "delivered"


@pytest.mark.parametrize("policy", ["fixed", "exponential"])
def test_a_retry_is_scheduled_by_the_retry_policy(make_due, settings, smtp, policy):
    settings.NOTIFICATION_SYSTEM_RETRY_POLICY = policy
    [notification] = make_due("email", retry_time_interval=30)
    smtp.refuse[_address(notification)] = BUSY
    before = timezone.now()

    email.send_notification(notification)

    notification.refresh_from_db()
    assert notification.status == Notification.RETRY
    assert notification.retry_attempts == 1
    assert notification.scheduled_delivery >= before + timedelta(minutes=15)


@pytest.mark.django_db(transaction=True)
def test_a_1_5_3_handler_calling_it_during_a_run_is_recorded_once(make_due):
    rows = make_due("wraps_builtin", 3)

    summary = process_notifications()

    assert summary.counts == {"DELIVERED": 3}
    assert set(statuses(rows).values()) == {Notification.DELIVERED}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        r.target_user_record.target_user_id for r in rows
    )
    assert DeliveryAttempt.objects.count() == 3
    assert set(Notification.objects.values_list("claim_token", flat=True)) == {None}
