"""Expo requests of one batch sent concurrently (``concurrency``), always within
``max_per_second``: the real PushClient against the fake on loopback, which records how many
requests it served at once and when each arrived."""

from __future__ import annotations

import threading

import pytest

from django_notification_system.models import TargetUserRecord
from django_notification_system.notification_handlers import expo as handler
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    Retry,
)
from tests.channels.conftest import as_dispatched, bulk_notifications

pytestmark = pytest.mark.django_db


def token(name: str) -> str:
    return f"ExponentPushToken[{name}]"


def tokens(count: int, prefix: str = "") -> list[str]:
    return [token(f"{prefix}{i}") for i in range(count)]


def test_the_default_concurrency_is_documented(expo_settings):
    assert handler.expo_settings().concurrency == handler.DEFAULT_CONCURRENCY == 4


def test_requests_overlap_and_never_exceed_concurrency(fake_expo, expo_settings):
    fake_expo.latency = 0.3
    expo_settings["concurrency"] = 3
    notifications = bulk_notifications("expo", tokens(600), "overlap")

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert fake_expo.messages_per_request() == [100] * 6
    assert 1 < fake_expo.max_in_flight <= 3


def test_concurrent_requests_never_exceed_max_per_second(fake_expo, expo_settings):
    fake_expo.latency = 0.3
    expo_settings.update(max_per_second=250, concurrency=4)
    notifications = bulk_notifications("expo", tokens(500), "paced")

    outcomes = handler.send_batch(notifications)

    assert all(isinstance(o, Delivered) for o in outcomes)
    assert fake_expo.messages_per_request() == [100] * 5
    assert fake_expo.peak_messages_per_second() <= 250
    # 2 x 100 fit in 250 per second; a third request at once never does.
    assert fake_expo.max_in_flight == 2


def test_concurrent_senders_share_max_per_second(fake_expo, expo_settings):
    fake_expo.latency = 0.1
    expo_settings.update(max_per_second=100, concurrency=4)
    batches = [bulk_notifications("expo", tokens(150, p), p) for p in ("one", "two")]
    outcomes: dict[int, list] = {}

    def send(number: int) -> None:
        outcomes[number] = handler.send_batch(batches[number])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(o, Delivered) for o in outcomes[0] + outcomes[1])
    assert sorted(fake_expo.messages_per_request()) == [50, 50, 100, 100]
    assert fake_expo.peak_messages_per_second() <= 100


def _mixed_batch(fake_expo):
    """350 messages over four requests: ticket errors and a bad token in different ones."""
    fake_expo.ticket_errors.update(
        {
            token("5"): "DeviceNotRegistered",
            token("150"): "MessageTooBig",
            token("260"): "MessageRateExceeded",
            token("349"): "InvalidCredentials",
        }
    )
    rows = bulk_notifications("expo", tokens(350), "mixed")
    TargetUserRecord.objects.filter(pk=rows[120].target_user_record_id).update(
        target_user_id="not-a-token"
    )
    expected = [Delivered] * 350
    expected[5], expected[150], expected[260], expected[349] = (
        InactiveAddress,
        Failed,
        Retry,
        Failed,
    )
    expected[120] = Failed
    return as_dispatched(rows), expected


def test_each_message_keeps_its_own_outcome(fake_expo, expo_settings):
    fake_expo.latency = 0.1
    expo_settings["concurrency"] = 4
    notifications, expected = _mixed_batch(fake_expo)

    concurrent = handler.send_batch(notifications)
    in_flight = fake_expo.max_in_flight
    expo_settings["concurrency"] = 1
    one_at_a_time = handler.send_batch(notifications)

    assert in_flight > 1
    assert [type(o) for o in concurrent] == expected
    assert [type(o) for o in one_at_a_time] == expected
    for i, outcome in enumerate(concurrent):
        if isinstance(outcome, Delivered):  # the ticket answers this very message
            assert fake_expo.tickets[outcome.provider_message_id]["to"] == token(str(i))
    assert "DeviceNotRegistered" in concurrent[5].error


def test_refused_requests_are_split_while_others_are_in_flight(fake_expo, expo_settings):
    fake_expo.latency = 0.1
    expo_settings["concurrency"] = 4
    notifications = bulk_notifications("expo", tokens(400), "split")
    bad = {37, 250, 251}
    for index in bad:
        notifications[index].extra = {"priority": "urgent"}  # Expo refuses the whole request

    outcomes = handler.send_batch(notifications)

    assert {i for i, o in enumerate(outcomes) if not isinstance(o, Delivered)} == bad
    assert all(isinstance(outcomes[i], Failed) for i in bad)
    assert all("400" in outcomes[i].error and "VALIDATION_ERROR" in outcomes[i].error for i in bad)
    assert sorted(m["to"] for m in fake_expo.tickets.values()) == sorted(
        token(str(i)) for i in range(400) if i not in bad
    )
    assert fake_expo.max_in_flight > 1


def test_requests_whose_turn_comes_after_the_deadline_are_retried(
    fake_expo, expo_settings, settings
):
    settings.NOTIFICATION_SYSTEM_HANDLER_TIMEOUT = 3
    # Deadline: 3 s less two request timeouts = 2 s; at 10 per second the third request
    # of 10 can start no sooner than 2 s after the first.
    expo_settings.update(max_per_second=10, concurrency=4, timeout=0.5)
    notifications = bulk_notifications("expo", tokens(30), "late")

    outcomes = handler.send_batch(notifications)

    delivered = [o for o in outcomes if isinstance(o, Delivered)]
    late = [o for o in outcomes if isinstance(o, Retry) and o.error == handler.OUT_OF_TIME]
    assert len(delivered) + len(late) == 30
    assert len(delivered) == len(fake_expo.sent_messages()) >= 10
    assert len(late) >= 10
