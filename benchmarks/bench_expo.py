"""Expo pushes through the real PushClient against the fake, at several ``concurrency`` values.

For each concurrency: pushes per second, requests made, most messages in one request, the
most requests the fake served at once and the peak number of messages it received within
any one second (never above ``max_per_second``, default 600). Defaults: 2,000 pushes at
50 ms per request, concurrency 1 and 4 (the default). Each run uses a fresh fake, so no
run inherits another's rate budget.
"""

from __future__ import annotations

import argparse
import time

from _channel_setup import report, unsaved_notifications
from django.test import override_settings

from django_notification_system.notification_handlers import expo
from django_notification_system.notification_handlers.base import Delivered
from tests.fakes import FakeExpo


def run(pushes: int, latency: float, concurrency: int, max_per_second: int) -> None:
    notifications = unsaved_notifications(
        "expo", [f"ExponentPushToken[bench-{i}]" for i in range(pushes)]
    )
    with FakeExpo(latency=latency) as fake:
        options = {"host": fake.url, "timeout": 10, "concurrency": concurrency}
        options["max_per_second"] = max_per_second
        with override_settings(NOTIFICATION_SYSTEM_TARGETS={"expo": options}):
            started = time.perf_counter()
            outcomes = expo.send_batch(notifications)
            elapsed = time.perf_counter() - started
    delivered = sum(isinstance(o, Delivered) for o in outcomes)
    per_request = fake.messages_per_request()
    report(f"expo, concurrency {concurrency}: {delivered}/{pushes} accepted in {elapsed:.2f} s")
    report(f"  pushes/second:              {delivered / elapsed:.0f}")
    report(f"  requests made:              {len(per_request)}")
    report(f"  max messages per request:   {max(per_request)}")
    report(f"  most requests at once:      {fake.max_in_flight}")
    report(
        f"  peak messages per second:   {fake.peak_messages_per_second()} (limit {max_per_second})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--max-per-second", type=int, default=expo.DEFAULT_MAX_PER_SECOND)
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=sorted({1, expo.DEFAULT_CONCURRENCY}),
    )
    args = parser.parse_args()
    report(f"latency per request: {args.latency * 1000:.0f} ms")
    for concurrency in args.concurrency:
        run(args.pushes, args.latency, concurrency, args.max_per_second)


if __name__ == "__main__":
    main()
