"""Whether the code calling the dispatcher holds an open database transaction.

Outside a transaction each handler call runs in a worker thread, on its own connection,
with ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` enforced, so no transaction spans it. Inside
one (Django's ``TestCase``, ``ATOMIC_REQUESTS``, a caller's ``atomic()``) a worker
thread's connection cannot see the caller's uncommitted rows and, on SQLite, waits on the
caller's write lock: a 1.5.3 handler that saves its notification would fail. So the
dispatcher then runs every step, handlers included, in order on the calling thread and
connection; the caller's transaction decides what is committed, and the handler timeout
cannot be enforced (a thread cannot be stopped, and its work would have to be abandoned
inside the caller's transaction).
"""

from __future__ import annotations

from django.db import connections


def caller_holds_transaction() -> bool:
    """True when any open database connection of this thread is inside a transaction.

    That is an ``atomic`` block (savepoints included) or autocommit turned off by hand;
    connections this thread has not opened yet hold nothing.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return True
        if connection.connection is not None and not connection.get_autocommit():
            return True
    return False
