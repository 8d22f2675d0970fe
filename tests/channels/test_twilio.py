"""Twilio SMS through the real twilio.rest.Client against the fake Messages API on loopback."""

from __future__ import annotations

import socket
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_notification_system.exceptions import MissingDependency
from django_notification_system.notification_handlers import twilio as handler
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Retry,
)
from tests.channels.conftest import SENDER, make_notifications
from tests.fakes.twilio import error_body

pytestmark = pytest.mark.django_db

OK = "+15005550006"


def test_delivers_through_the_real_client_and_keeps_the_sid(fake_twilio, twilio_settings):
    twilio_settings["status_callback"] = "https://example.com/twilio/status"
    notifications = make_notifications("twilio", [OK, "+15005550007"], body="Your code is 42")

    outcomes = handler.send_batch(notifications)

    sids = {m["to"]: m["sid"] for m in fake_twilio.messages}
    assert outcomes == [Delivered(sids[OK]), Delivered(sids["+15005550007"])]
    form = fake_twilio.requests[0].form()
    assert form["From"] == SENDER
    assert form["Body"] == "Your code is 42"
    assert form["StatusCallback"] == "https://example.com/twilio/status"
    assert "MessagingServiceSid" not in form


def test_messaging_service_and_title_prefix(fake_twilio, twilio_settings):
    del twilio_settings["sender"]
    twilio_settings.update(messaging_service_sid="MG" + "1" * 32, prefix_title=True)
    [notification] = make_notifications("twilio", [OK], body="body text")

    assert isinstance(handler.send_batch([notification])[0], Delivered)

    form = fake_twilio.requests[0].form()
    assert form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in form
    assert form["Body"] == "Title 0: body text"


def test_errors_are_classified_by_code_then_status(fake_twilio, twilio_settings):
    fake_twilio.errors.update(
        {
            "+15005550009": 21610,  # unsubscribed
            "+15005550001": 21211,  # invalid number
            "+15005550002": 21614,  # not SMS-capable
            "+15005550003": 21408,  # other 4xx: permission -> Failed
            "+15005550004": 30001,  # 503 -> Retry
        }
    )
    numbers = [OK, "+15005550009", "+15005550001", "+15005550002", "+15005550003", "+15005550004"]
    notifications = make_notifications("twilio", numbers)

    outcomes = handler.send_batch(notifications)

    assert [type(o) for o in outcomes] == [
        Delivered,
        OptedOut,
        InactiveAddress,
        InactiveAddress,
        Failed,
        Retry,
    ]
    assert "21610" in outcomes[1].error
    assert len(fake_twilio.messages) == 1


@pytest.mark.parametrize("code, status", [(20429, 429), (None, 429), (None, 503)])
def test_rate_limits_and_server_errors_retry_after_the_providers_delay(
    fake_twilio, twilio_settings, code, status
):
    body = error_body(code, status) if code else {"message": "busy", "status": status}
    fake_twilio.fail_next(status, body, headers={"Retry-After": "30"})
    [notification] = make_notifications("twilio", [OK])

    [outcome] = handler.send_batch([notification])

    assert isinstance(outcome, Retry)
    assert outcome.after == timedelta(seconds=30)


def test_wrong_credentials_fail(fake_twilio, twilio_settings):
    twilio_settings["auth_token"] = "not-the-token"
    [notification] = make_notifications("twilio", [OK])

    [outcome] = handler.send_batch([notification])

    assert isinstance(outcome, Failed)
    assert "20003" in outcome.error


def test_never_more_requests_in_flight_than_concurrency(fake_twilio, twilio_settings):
    fake_twilio.latency = 0.1
    twilio_settings["concurrency"] = 3
    notifications = make_notifications("twilio", [f"+1500555{i:04d}" for i in range(12)])

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert [o.provider_message_id for o in outcomes] == [
        {m["to"]: m["sid"] for m in fake_twilio.messages}[n.target_user_record.target_user_id]
        for n in notifications
    ]
    assert fake_twilio.max_in_flight == 3


def test_timeout_and_refused_connection_retry(fake_twilio, twilio_settings):
    fake_twilio.latency = 2
    twilio_settings["timeout"] = 0.2
    [notification] = make_notifications("twilio", [OK])
    [timed_out] = handler.send_batch([notification])

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    twilio_settings["api_base_url"] = f"http://127.0.0.1:{port}"
    [refused] = handler.send_batch([notification])

    assert isinstance(timed_out, Retry) and "Timeout" in timed_out.error
    assert isinstance(refused, Retry) and "ConnectionError" in refused.error


def test_missing_setting_is_named(settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = {"twilio_sms": {"account_sid": "AC1", "sender": "+1"}}
    with pytest.raises(ImproperlyConfigured, match=r'\["twilio_sms"\]\["auth_token"\]'):
        handler.twilio_settings()
    settings.NOTIFICATION_SYSTEM_TARGETS = {"twilio_sms": {"account_sid": "A", "auth_token": "t"}}
    with pytest.raises(ImproperlyConfigured, match=r'\["twilio_sms"\]\["sender"\]'):
        handler.twilio_settings()


def test_missing_sdk_names_the_extra(monkeypatch, twilio_settings):
    for name in [m for m in sys.modules if m == "twilio" or m.startswith("twilio.")]:
        monkeypatch.setitem(sys.modules, name, None)
    [notification] = make_notifications("twilio", [OK])

    with pytest.raises(MissingDependency, match=r"django-notification-system\[twilio\]"):
        handler.send_batch([notification])
