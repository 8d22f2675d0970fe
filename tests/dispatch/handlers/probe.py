"""Records, when a call starts and when it ends, which transaction the dispatcher has open.

A transaction spans the call if the dispatcher's connection is inside the same atomic
block at both moments: in a block at both, and no new transaction begun in between.
"""

import threading

from django_notification_system.notification_handlers.base import Delivered

#: Set by the test to the dispatcher thread's connection wrapper.
DISPATCHER_CONNECTION = None
#: Set by the test: how many transactions the dispatcher's connection has begun so far.
TRANSACTIONS_BEGUN = None
OBSERVED = []


def _state():
    return DISPATCHER_CONNECTION.in_atomic_block, TRANSACTIONS_BEGUN()


def send_batch(notifications):
    at_start = _state()
    outcomes = [Delivered() for _ in notifications]
    OBSERVED.append({"start": at_start, "end": _state(), "thread": threading.get_ident()})
    return outcomes
