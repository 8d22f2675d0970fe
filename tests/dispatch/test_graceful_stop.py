"""SIGTERM/SIGINT during ``--loop``'s wait between passes: the stop is never lost.

A signal handler runs on the main thread, which may be inside ``Event.wait()`` holding the
event's non-reentrant lock. A handler that took that lock itself deadlocked the worker
(the signal was then ignored for good; the loop test caught it about 1 run in 12). This
test puts the handler exactly in that spot every time.
"""

from __future__ import annotations

import signal
import threading

from django_notification_system.management.commands.process_notifications import GracefulStop


def test_the_handler_returns_while_the_event_lock_is_held_and_the_wait_then_wakes():
    stop = GracefulStop()
    handled = threading.Event()

    def signal_lands_inside_the_wait() -> None:
        with stop.event._cond:  # where Event.wait() is when the signal arrives
            stop._handle(signal.SIGTERM, None)
            handled.set()

    # Its own thread, so that a handler that deadlocks hangs that thread, not the suite.
    threading.Thread(target=signal_lands_inside_the_wait, daemon=True).start()
    assert handled.wait(timeout=10), "the signal handler blocked on the stop event's lock"
    assert stop.requested()
    assert stop.event.wait(timeout=10), "the wait between passes was never woken"


def test_a_stop_requested_before_the_wait_ends_it_at_once():
    stop = GracefulStop()
    assert not stop.requested()
    stop._handle(signal.SIGINT, None)
    assert stop.requested()
    assert stop.event.wait(timeout=10)
