"""Email over several connections at once, kept open for the run, bounded by timeouts.

Issue 14 (concurrency, connections opened once per run and closed at the end) and issue
13.3 (a frozen relay: the connection timeout decides, not the handler timeout, and what
the relay answered is recorded as answered).
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_notification_system import conf
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.exceptions import NotificationSystemConfigurationError
from django_notification_system.models import Notification
from django_notification_system.notification_handlers import email as handler
from django_notification_system.notification_handlers.base import Delivered, Retry
from tests import factories
from tests.channels.conftest import make_notifications
from tests.fakes.smtp import FakeSMTP

pytestmark = pytest.mark.django_db


def smtp(port: int, **email_options):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        NOTIFICATION_SYSTEM_TARGETS={"email": {"from_email": "n@example.com", **email_options}},
    )


def test_a_batch_goes_out_over_concurrency_connections():
    addresses = [f"u{i}@example.com" for i in range(12)]
    with FakeSMTP(latency=0.05) as relay, smtp(relay.port, concurrency=3):
        outcomes = handler.send_batch(make_notifications("email", addresses))
    assert outcomes == [Delivered()] * 12
    assert sorted(m.rcpt_tos[0] for m in relay.received) == sorted(addresses)
    assert 1 < len(relay.peers) <= 3  # parallel, never more than the option allows


@pytest.mark.django_db(transaction=True)
def test_connections_are_opened_once_per_run_and_closed_at_the_end():
    rows = factories.due_notifications(40)
    opened_before = handler.POOL.opened
    with FakeSMTP() as relay, smtp(relay.port, concurrency=2):
        summary = process_notifications(batch_size=10)  # four batches
        assert summary.counts == {"DELIVERED": 40}
        assert len(relay.received) == 40
        assert handler.POOL.opened - opened_before <= 2  # not one per batch
        assert len(relay.peers) <= 2
        assert handler.POOL._idle == []  # closed when the run ended
    assert {r.status for r in Notification.objects.filter(pk__in=[r.pk for r in rows])} == {
        Notification.DELIVERED
    }


def test_a_send_error_closes_the_connection_and_the_worker_opens_another():
    addresses = ["first@example.com", "drop@example.com", "last@example.com"]
    with FakeSMTP(drop={"drop@example.com"}) as relay, smtp(relay.port, concurrency=1):
        outcomes = handler.send_batch(make_notifications("email", addresses))
    assert [type(o) for o in outcomes] == [Delivered, Retry, Delivered]
    assert len(relay.peers) == 2


def test_the_default_timeout_applies_only_when_the_backend_has_none():
    with FakeSMTP() as relay:
        with smtp(relay.port):
            connection = handler.open_connection()
            assert connection.timeout == handler.DEFAULT_TIMEOUT
            connection.close()
            with override_settings(EMAIL_TIMEOUT=7):
                connection = handler.open_connection()
                assert connection.timeout == 7
                connection.close()
        with smtp(relay.port, timeout=3), override_settings(EMAIL_TIMEOUT=7):
            connection = handler.open_connection()
            assert connection.timeout == 3  # the channel's explicit option wins
            connection.close()
    assert conf.handler_timeout() > handler.DEFAULT_TIMEOUT * 4  # well under, by default


@pytest.mark.parametrize("channel", ["email", "twilio_sms", "expo"])
def test_a_provider_timeout_not_under_the_handler_timeout_is_refused_by_name(channel):
    from django_notification_system.notification_handlers import expo, twilio

    read = {
        "email": handler.email_timeout,
        "twilio_sms": lambda: twilio.twilio_settings().timeout,
        "expo": lambda: expo.expo_settings().timeout,
    }[channel]
    targets = {
        "twilio_sms": {"account_sid": "AC1", "auth_token": "t", "sender": "+15550001111"},
        channel: {
            "account_sid": "AC1",
            "auth_token": "t",
            "sender": "+15550001111",
            "timeout": 60,
        },
    }
    with override_settings(NOTIFICATION_SYSTEM_TARGETS=targets):
        with override_settings(NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=121):
            assert read() == 60
        # Half the handler timeout or more: no call could ever start (a call starts only
        # while two timeouts are left), so every message would be retried, run after run.
        for handler_timeout in (120, 60):
            with (
                override_settings(NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=handler_timeout),
                pytest.raises(NotificationSystemConfigurationError) as raised,
            ):
                read()
            assert f'NOTIFICATION_SYSTEM_TARGETS["{channel}"]["timeout"]' in str(raised.value)
            assert "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT" in str(raised.value)


def test_the_longest_accepted_timeout_still_lets_a_batch_out():
    addresses = [f"u{i}@example.com" for i in range(3)]
    with (
        FakeSMTP() as relay,
        smtp(relay.port, timeout=60),
        override_settings(NOTIFICATION_SYSTEM_HANDLER_TIMEOUT=121),
    ):
        outcomes = handler.send_batch(make_notifications("email", addresses))
    assert outcomes == [Delivered()] * 3
    assert len(relay.received) == 3


@pytest.mark.django_db(transaction=True)
def test_a_frozen_relay_leaves_what_it_answered_delivered_and_the_rest_retried():
    """Issue 13.3: with EMAIL_TIMEOUT unset, the relay accepts 7 of 20 and freezes."""
    rows = factories.due_notifications(20)
    with FakeSMTP(freeze_after=7) as relay, smtp(relay.port, concurrency=1, timeout=1):
        summary = process_notifications()
        answered = {
            m.content.split(b"Subject: ")[1].split(b"\n")[0].strip()
            for m in relay.received[: relay.answered]
        }
    assert relay.answered == 7
    by_status = dict(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("title", "status")
    )
    assert {t.encode() for t, s in by_status.items() if s == Notification.DELIVERED} == answered
    assert summary.counts == {"DELIVERED": 7, "RETRY": 13}
    retried = Notification.objects.filter(status=Notification.RETRY)
    assert retried.count() == 13
    # The connection timeout decided, not the dispatcher's handler timeout.
    assert not retried.filter(last_error__contains="did not answer in time").exists()
