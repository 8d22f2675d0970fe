"""Issue 13 case 7: no log record, at any level and from any logger, holds a recipient
address, phone number, push token, title or body, whatever fails on which channel.

Failing messages with recognisable data go through the whole dispatcher on every built-in
channel: real SMTP on loopback (refused, invalid and dropped recipients, a header-injection
title), the real Twilio client and Expo ``PushClient`` against the fakes (refused numbers,
dead tokens, a failing request). Every captured record, its arguments and any traceback are
searched for each value.
"""

from __future__ import annotations

import logging
import traceback

import pytest

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from tests import factories
from tests.fakes import FakeExpo, FakeTwilio
from tests.fakes.smtp import FakeSMTP

pytestmark = pytest.mark.django_db

REFUSED = "refused-secret@example.com"
DROPPED = "dropped-secret@example.com"
INVALID = "x@invalid-secret@example.com"
INJECTED_TITLE = "Injected secret title\r\nBcc: bcc-secret@example.com"
PHONE = "+15005550077"
PHONE_RETRY = "+15005550078"
DEAD_TOKEN = "ExponentPushToken[dead-secret-token]"
FAILING_TOKEN = "ExponentPushToken[failing-secret-token]"
BODY = "Secret body 7G4"


def due(module_name: str, address: str, title: str) -> Notification:
    user = factories.user(f"u{Notification.objects.count()}")
    record = factories.record(user, module_name, address=address)
    n = factories.notification(record, title="placeholder", body=BODY)
    # Bypass the creation-time checks, as rows from before the upgrade would.
    Notification.objects.filter(pk=n.pk).update(title=title)
    return n


#: Loggers of the fake providers themselves (aiosmtpd logs every SMTP line it receives).
PROVIDER_SIDE = ("mail.log", "asyncio")


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Every record's message, arguments and traceback, except the fake providers' own."""
    parts = []
    for record in records:
        if record.name.startswith(PROVIDER_SIDE):
            continue
        parts.append(record.name)
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
    return "\n".join(parts)


@pytest.fixture
def providers(settings):
    refuse = {REFUSED: f"550 5.1.1 <{REFUSED}>: user unknown"}
    with (
        FakeSMTP(refuse=refuse, drop={DROPPED}) as smtp,
        FakeTwilio(errors={PHONE: 21211}) as twilio,
        FakeExpo(ticket_errors={DEAD_TOKEN: "DeviceNotRegistered"}) as expo,
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = smtp.port
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            "email": {"from_email": "sender@example.com", "timeout": 5},
            "twilio_sms": {
                "account_sid": twilio.account_sid,
                "auth_token": twilio.auth_token,
                "sender": "+15005550001",
                "api_base_url": twilio.url,
                "timeout": 5,
            },
            "expo": {"host": expo.url, "timeout": 5},
        }
        yield smtp, twilio, expo


def test_failures_on_every_channel_log_no_personal_data(providers, caplog):
    _smtp, twilio, expo = providers
    caplog.set_level(logging.DEBUG)
    rows = {
        "refused": due("email", REFUSED, "Refused secret title"),
        "dropped": due("email", DROPPED, "Dropped secret title"),
        "invalid": due("email", INVALID, "Invalid secret title"),
        "injected": due("email", "injected-secret@example.com", INJECTED_TITLE),
        "sms": due("twilio", PHONE, "Sms secret title"),
        "dead": due("expo", DEAD_TOKEN, "Push secret title"),
    }
    twilio.fail_next(503, {"code": 30001, "message": f"Queue overflow for {PHONE_RETRY}"})
    rows["sms-retry"] = due("twilio", PHONE_RETRY, "Retry secret title")

    process_notifications()
    expo.fail_next(500, f"upstream broke on {FAILING_TOKEN}")
    rows["expo-fail"] = due("expo", FAILING_TOKEN, "Failing push secret title")
    process_notifications()

    statuses = dict(Notification.objects.values_list("title", "status"))
    assert statuses[INJECTED_TITLE] == Notification.DELIVERY_FAILURE  # not RETRY
    assert statuses["Invalid secret title"] == Notification.DELIVERY_FAILURE
    assert statuses["Refused secret title"] == Notification.INACTIVE_DEVICE
    assert statuses["Push secret title"] == Notification.INACTIVE_DEVICE
    assert statuses["Sms secret title"] == Notification.INACTIVE_DEVICE
    assert caplog.records, "the failures were logged"
    logged = everything_logged(caplog.records)
    secrets = [
        *(n.target_user_record.target_user_id for n in rows.values()),
        "bcc-secret",
        "secret title",
        "Secret title",
        BODY,
        "dead-secret-token",
        "failing-secret-token",
        PHONE[2:],
        PHONE_RETRY[2:],
    ]
    leaked = [secret for secret in secrets if secret in logged]
    assert leaked == []


def test_unexpected_backend_errors_are_logged_redacted_with_their_stack(settings, caplog):
    settings.EMAIL_BACKEND = "tests.channels.email_backends.ExplodingBackend"
    caplog.set_level(logging.DEBUG)
    n = due("email", "exploding-secret@example.com", "Exploding secret title")

    process_notifications()

    n.refresh_from_db()
    assert n.status == Notification.RETRY and "RuntimeError" in n.last_error
    logged = everything_logged(caplog.records)
    assert "email: unexpected error" in logged and "RuntimeError" in logged
    assert "send_messages" in logged  # the stack is kept, the data is not
    assert "exploding-secret" not in logged and "secret title" not in logged
