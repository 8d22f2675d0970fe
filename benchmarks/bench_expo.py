"""2,000 Expo pushes through the real PushClient against the fake with 50 ms per request.

Prints pushes per second, requests made, most messages in one request and the peak number
of messages the fake received within any one second (limit: max_per_second, default 600).
"""

from __future__ import annotations

import time

from _channel_setup import report, unsaved_notifications
from django.test import override_settings

from django_notification_system.notification_handlers import expo
from django_notification_system.notification_handlers.base import Delivered
from tests.fakes import FakeExpo

PUSHES = 2000
LATENCY = 0.05


def main() -> None:
    notifications = unsaved_notifications(
        "expo", [f"ExponentPushToken[bench-{i}]" for i in range(PUSHES)]
    )
    with FakeExpo(latency=LATENCY) as fake:
        targets = {"expo": {"host": fake.url, "timeout": 10}}
        with override_settings(NOTIFICATION_SYSTEM_TARGETS=targets):
            started = time.perf_counter()
            outcomes = expo.send_batch(notifications)
            elapsed = time.perf_counter() - started
    delivered = sum(isinstance(o, Delivered) for o in outcomes)
    per_request = fake.messages_per_request()
    report(f"expo: {delivered}/{PUSHES} pushes accepted in {elapsed:.2f} s")
    report(f"  pushes/second:              {delivered / elapsed:.0f}")
    report(f"  requests made:              {len(per_request)}")
    report(f"  max messages per request:   {max(per_request)}")
    report(f"  peak messages per second:   {fake.peak_messages_per_second()} (limit 600)")
    report(f"  latency per request:        {LATENCY * 1000:.0f} ms")


if __name__ == "__main__":
    main()
