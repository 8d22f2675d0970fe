"""Expo push through the real exponent_server_sdk.PushClient against the fake on loopback."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest

from django_notification_system.exceptions import MissingDependency
from django_notification_system.models import TargetUserRecord
from django_notification_system.notification_handlers import expo as handler
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    Retry,
)
from tests.channels.conftest import as_dispatched, bulk_notifications, make_notifications

pytestmark = pytest.mark.django_db


def token(name: str) -> str:
    return f"ExponentPushToken[{name}]"


def test_delivers_with_ticket_ids_and_extra_fields(fake_expo, expo_settings):
    extra = {
        "data": {"screen": "inbox"},
        "sound": "default",
        "ttl": 60,
        "priority": "high",
        "badge": 2,
        "channel_id": "alerts",
        "subtitle": "sub",
        "not_a_push_field": "ignored",
    }
    notifications = make_notifications("expo", [token("a"), token("b")], body="Hi", extra=extra)

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert {o.provider_message_id for o in outcomes} == set(fake_expo.tickets)
    sent = fake_expo.sent_messages()
    assert fake_expo.messages_per_request() == [2]
    assert sent[0] == {
        "to": token("a"),
        "title": "Title 0",
        "body": "Hi",
        "data": {"screen": "inbox"},
        "sound": "default",
        "ttl": 60,
        "priority": "high",
        "badge": 2,
        "channelId": "alerts",
        "subtitle": "sub",
    }


def test_ticket_errors_are_classified(fake_expo, expo_settings):
    fake_expo.ticket_errors.update(
        {
            token("dead"): "DeviceNotRegistered",
            token("big"): "MessageTooBig",
            token("creds"): "InvalidCredentials",
            token("fast"): "MessageRateExceeded",
            token("new"): "SomeFutureError",
        }
    )
    names = ["ok", "dead", "big", "creds", "fast", "new"]
    notifications = make_notifications("expo", [token(n) for n in names])

    outcomes = handler.send_batch(notifications)

    assert [type(o) for o in outcomes] == [
        Delivered,
        InactiveAddress,
        Failed,
        Failed,
        Retry,
        Retry,
    ]
    assert "DeviceNotRegistered" in outcomes[1].error
    assert "SomeFutureError" in outcomes[5].error


@pytest.mark.parametrize(
    "bad", ["not-a-token", "ExponentPushToken[]", "ExponentPushToken[abc] trailing"]
)
def test_an_invalid_token_fails_alone(fake_expo, expo_settings, bad):
    rows = make_notifications("expo", [token("a"), token("bad"), token("b")])
    # A record from before tokens were checked at creation.
    TargetUserRecord.objects.filter(pk=rows[1].target_user_record_id).update(target_user_id=bad)
    notifications = as_dispatched(rows)

    outcomes = handler.send_batch(notifications)

    assert [type(o) for o in outcomes] == [Delivered, Failed, Delivered]
    assert [m["to"] for m in fake_expo.sent_messages()] == [token("a"), token("b")]


def test_chunks_of_at_most_100_and_a_bad_chunk_fails_alone(fake_expo, expo_settings):
    expo_settings["concurrency"] = 1  # "the first request" is the first chunk
    notifications = bulk_notifications("expo", [token(str(i)) for i in range(250)], "x")
    fake_expo.fail_next(502, b"Bad gateway")  # the first request only

    outcomes = handler.send_batch(notifications)

    assert fake_expo.messages_per_request() == [100, 100, 50]
    assert all(isinstance(o, Retry) and "502" in o.error for o in outcomes[:100])
    assert all(isinstance(o, Delivered) for o in outcomes[100:])
    assert len({o.provider_message_id for o in outcomes[100:]}) == 150


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (429, {"errors": [{"code": "TOO_MANY_REQUESTS", "message": "slow"}]}, Retry),
        (500, {"errors": [{"code": "INTERNAL_SERVER_ERROR", "message": "x"}]}, Retry),
        (503, b"unavailable", Retry),
        (400, {"errors": [{"code": "PUSH_TOO_MANY_EXPERIENCE_IDS", "message": "x"}]}, Failed),
    ],
)
def test_request_errors(fake_expo, expo_settings, status, body, expected):
    fake_expo.fail_next(status, body, headers={"Retry-After": "7"})
    [notification] = make_notifications("expo", [token("a")])

    [outcome] = handler.send_batch([notification])

    assert type(outcome) is expected
    assert str(status) in outcome.error
    if expected is Retry:
        assert outcome.after == timedelta(seconds=7)


def test_access_token_is_sent_as_bearer(fake_expo, expo_settings):
    fake_expo.access_token = "expo-secret"
    [notification] = make_notifications("expo", [token("a")])

    [refused] = handler.send_batch([notification])
    expo_settings["access_token"] = "expo-secret"
    [accepted] = handler.send_batch([notification])

    assert isinstance(refused, Failed) and "401" in refused.error
    assert isinstance(accepted, Delivered)
    assert fake_expo.requests[-1].headers["authorization"] == "Bearer expo-secret"


def test_never_more_than_max_per_second(fake_expo, expo_settings):
    expo_settings["max_per_second"] = 40
    notifications = bulk_notifications("expo", [token(str(i)) for i in range(100)], "r")

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert sorted(fake_expo.messages_per_request()) == [20, 40, 40]  # concurrent: any order
    assert fake_expo.peak_messages_per_second() == 40


def test_consecutive_batches_share_the_limit(fake_expo, expo_settings):
    expo_settings["max_per_second"] = 30
    first = bulk_notifications("expo", [token(f"a{i}") for i in range(30)], "first")
    second = bulk_notifications("expo", [token(f"b{i}") for i in range(30)], "second")

    outcomes = handler.send_batch(first) + handler.send_batch(second)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert fake_expo.messages_per_request() == [30, 30]
    assert fake_expo.peak_messages_per_second() == 30


def test_timeout_retries(fake_expo, expo_settings):
    fake_expo.latency = 2
    expo_settings["timeout"] = 0.2
    [notification] = make_notifications("expo", [token("a")])

    [outcome] = handler.send_batch([notification])

    assert isinstance(outcome, Retry) and "Timeout" in outcome.error


def test_missing_sdk_names_the_extra(monkeypatch, expo_settings):
    monkeypatch.setitem(sys.modules, "exponent_server_sdk", None)
    [notification] = make_notifications("expo", [token("a")])

    with pytest.raises(MissingDependency, match=r"django-notification-system\[expo\]"):
        handler.send_batch([notification])


def test_a_request_refused_for_one_malformed_message_is_split_and_the_rest_delivered(
    fake_expo, expo_settings
):
    notifications = bulk_notifications("expo", [token(str(i)) for i in range(100)], "split")
    bad = notifications[37]
    bad.extra = {"priority": "urgent"}  # Expo's validation refuses the whole request

    outcomes = handler.send_batch(notifications)

    assert isinstance(outcomes[37], Failed)
    assert "400" in outcomes[37].error and "VALIDATION_ERROR" in outcomes[37].error
    assert all(isinstance(o, Delivered) for i, o in enumerate(outcomes) if i != 37)
    assert len(fake_expo.tickets) == 99
    sizes = fake_expo.messages_per_request()
    assert sizes[0] == 100
    assert len(sizes) <= 1 + 2 * 7  # halves down to the one bad message: log2(100) levels


def test_several_malformed_messages_each_get_their_own_outcome(fake_expo, expo_settings):
    notifications = make_notifications("expo", [token(str(i)) for i in range(8)])
    notifications[1].extra = {"badge": -1}
    notifications[6].extra = {"data": "not an object"}

    outcomes = handler.send_batch(notifications)

    assert [type(o) for o in outcomes] == [
        Delivered,
        Failed,
        Delivered,
        Delivered,
        Delivered,
        Delivered,
        Failed,
        Delivered,
    ]
    assert sorted(m["to"] for m in fake_expo.tickets.values()) == sorted(
        token(str(i)) for i in (0, 2, 3, 4, 5, 7)
    )


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_rate_limited_or_failing_request_is_not_split(fake_expo, expo_settings, status):
    notifications = make_notifications("expo", [token(str(i)) for i in range(6)])
    fake_expo.fail_next(status, {"errors": [{"code": "X", "message": "later"}]})

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Retry) for o in outcomes)
    assert fake_expo.messages_per_request() == [6]


def test_split_requests_keep_the_rate_limit(fake_expo, expo_settings):
    expo_settings["max_per_second"] = 20
    notifications = bulk_notifications("expo", [token(str(i)) for i in range(40)], "paced")
    notifications[3].extra = {"priority": "urgent"}
    notifications[25].extra = {"priority": "urgent"}

    outcomes = handler.send_batch(notifications)

    assert [i for i, o in enumerate(outcomes) if not isinstance(o, Delivered)] == [3, 25]
    assert fake_expo.peak_messages_per_second() <= 20
    assert sum(fake_expo.messages_per_request()) > 40  # the refused messages were resent
