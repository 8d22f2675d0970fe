"""Records, while it runs, whether the dispatcher holds a database transaction open."""

from django.db import connections

from django_notification_system.notification_handlers.base import Delivered

#: Set by the test to the dispatcher thread's connection wrapper.
DISPATCHER_CONNECTION = None
OBSERVED = []


def send_batch(notifications):
    conn = DISPATCHER_CONNECTION
    seen = {"in_atomic_block": conn.in_atomic_block}
    if conn.vendor == "postgresql":
        seen["transaction_status"] = conn.connection.info.transaction_status.name
        with connections["default"].cursor() as cursor:  # this thread's own connection
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%%'"
            )
            seen["idle_in_transaction"] = cursor.fetchone()[0]
    else:
        import sqlite3

        other = sqlite3.connect(conn.settings_dict["NAME"], timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds a write lock
            other.execute("ROLLBACK")
            seen["write_lock_free"] = True
        except sqlite3.OperationalError:
            seen["write_lock_free"] = False
        finally:
            other.close()
    OBSERVED.append(seen)
    return [Delivered() for _ in notifications]
