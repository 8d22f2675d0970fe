"""The deadline guarantee with slow providers on loopback: a batch that outlasts the handler
timeout is sent over several batches, each message received by the provider exactly once
and recorded DELIVERED; rows whose call never started come back with no attempt counted.

Timeouts are kept small (a handler timeout of a few seconds) so each test takes seconds."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import override_settings

from django_notification_system.dispatch.batch import NOT_STARTED
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories
from tests.channels.conftest import SENDER, bulk_notifications
from tests.fakes import FakeExpo, FakeTwilio
from tests.fakes.smtp import FakeSMTP

pytestmark = pytest.mark.django_db(transaction=True)

#: Calls start only while two provider timeouts fit before the deadline: with these, a
#: sender starts calls during the first second of each batch only.
HANDLER_TIMEOUT = 4
PROVIDER_TIMEOUT = 1.5


def run_until_final(rounds: int = 10) -> Counter:
    """Cron runs until nothing is due; the summary counts of all of them."""
    counts: Counter = Counter()
    for _ in range(rounds):
        summary = process_notifications()
        counts.update(summary.counts)
        if not Notification.objects.exclude(status=Notification.DELIVERED).exists():
            return counts
    raise AssertionError(f"not final after {rounds} runs: {counts}")


def assert_each_delivered_once(rows, received: Counter) -> None:
    rows = Notification.objects.filter(pk__in=[r.pk for r in rows])
    assert {r.status for r in rows} == {Notification.DELIVERED}
    assert {r.retry_attempts for r in rows} == {0}
    assert len(received) == len(rows) and set(received.values()) == {1}
    assert DeliveryAttempt.objects.filter(notification__in=rows).count() == len(rows)


def test_slow_twilio_receives_each_message_once(settings):
    settings.NOTIFICATION_SYSTEM_HANDLER_TIMEOUT = HANDLER_TIMEOUT
    numbers = [f"+1555000{i:04d}" for i in range(16)]
    with FakeTwilio(latency=1.2) as fake:
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            "twilio_sms": {
                "account_sid": fake.account_sid,
                "auth_token": fake.auth_token,
                "sender": SENDER,
                "api_base_url": fake.url,
                "timeout": PROVIDER_TIMEOUT,
                "concurrency": 4,
            }
        }
        rows = bulk_notifications("twilio", numbers, "sms")
        counts = run_until_final()
        received = Counter(m["to"] for m in fake.messages)
    assert counts[NOT_STARTED] > 0  # the batch did outlast the handler's time
    assert_each_delivered_once(rows, received)


def test_slow_smtp_relay_receives_each_message_once():
    rows = factories.due_notifications(12, prefix="slow")
    with (
        FakeSMTP(command_latency=0.3) as relay,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=relay.port,
            NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=HANDLER_TIMEOUT,
            NOTIFICATION_SYSTEM_TARGETS={
                "email": {
                    "from_email": "n@example.com",
                    "timeout": PROVIDER_TIMEOUT,
                    "concurrency": 2,
                }
            },
        ),
    ):
        counts = run_until_final()
        received = Counter(address for mail in relay.received for address in mail.rcpt_tos)
    assert counts[NOT_STARTED] > 0
    assert_each_delivered_once(rows, received)


def test_slow_expo_receives_each_message_once(settings):
    settings.NOTIFICATION_SYSTEM_HANDLER_TIMEOUT = HANDLER_TIMEOUT
    tokens = [f"ExponentPushToken[slow{i}]" for i in range(12)]
    with FakeExpo(latency=1.0) as fake:
        # Two messages per request and per second: the batch needs several seconds.
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            "expo": {"host": fake.url, "timeout": PROVIDER_TIMEOUT, "max_per_second": 2}
        }
        rows = bulk_notifications("expo", tokens, "push")
        counts = run_until_final()
        received = Counter(m["to"] for m in fake.sent_messages())
    assert counts[NOT_STARTED] > 0
    assert_each_delivered_once(rows, received)
