"""200 SMS through the real twilio Client against the fake with 100 ms per request.

Prints messages per second with the default concurrency (8) against one at a time.
"""

from __future__ import annotations

import time

from _channel_setup import report, unsaved_notifications
from django.test import override_settings

from django_notification_system.notification_handlers import twilio
from django_notification_system.notification_handlers.base import Delivered
from tests.fakes import FakeTwilio

MESSAGES = 200
LATENCY = 0.1


def run(fake: FakeTwilio, concurrency: int) -> tuple[float, int]:
    notifications = unsaved_notifications("twilio", [f"+1500555{i:04d}" for i in range(MESSAGES)])
    options = {
        "account_sid": fake.account_sid,
        "auth_token": fake.auth_token,
        "sender": "+15005550001",
        "api_base_url": fake.url,
        "concurrency": concurrency,
    }
    with override_settings(NOTIFICATION_SYSTEM_TARGETS={"twilio_sms": options}):
        started = time.perf_counter()
        outcomes = twilio.send_batch(notifications)
        elapsed = time.perf_counter() - started
    delivered = sum(isinstance(o, Delivered) for o in outcomes)
    return delivered / elapsed, delivered


def main() -> None:
    with FakeTwilio(latency=LATENCY) as fake:
        parallel_rate, parallel_ok = run(fake, twilio.DEFAULT_CONCURRENCY)
        parallel_peak = fake.max_in_flight
        fake.max_in_flight = 0
        serial_rate, serial_ok = run(fake, 1)
    report(f"twilio: {MESSAGES} SMS, {LATENCY * 1000:.0f} ms per request")
    report(
        f"  concurrency {twilio.DEFAULT_CONCURRENCY}: {parallel_rate:.1f} messages/s "
        f"({parallel_ok} delivered, at most {parallel_peak} requests in flight)"
    )
    report(f"  one at a time: {serial_rate:.1f} messages/s ({serial_ok} delivered)")
    report(f"  speed-up:      {parallel_rate / serial_rate:.1f}x")


if __name__ == "__main__":
    main()
