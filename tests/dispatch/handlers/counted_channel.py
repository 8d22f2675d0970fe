"""A custom ``ChannelHandler`` that takes a while per call and counts what it does: the
calls in flight at once (the most seen) and each notification it sent, across runs."""

from __future__ import annotations

import threading
import time

from django_notification_system.notification_handlers.base import ChannelHandler, Delivered

NEEDS_USER = False

lock = threading.Lock()
in_flight = 0
max_in_flight = 0
sent: list[int] = []  # notification pks, one per call


class CountedHandler(ChannelHandler):
    concurrency = 4
    timeout = 0.5
    call_seconds = 0.2

    def send(self, notification):
        global in_flight, max_in_flight
        with lock:
            in_flight += 1
            max_in_flight = max(max_in_flight, in_flight)
        try:
            time.sleep(self.call_seconds)
        finally:
            with lock:
                in_flight -= 1
                sent.append(notification.pk)
        return Delivered(provider_message_id=f"counted-{notification.pk}")


Handler = CountedHandler


def reset() -> None:
    global in_flight, max_in_flight
    with lock:
        in_flight = max_in_flight = 0
        sent.clear()
