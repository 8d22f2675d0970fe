"""Database outages as the long-running worker meets them: recognise, describe, reconnect.

``process_notifications --loop`` must outlive a PostgreSQL restart, a failover or a proxy
closing its connection: it reports the outage once, drops the broken connection, waits
(bounded backoff) and goes on. Outcomes of a batch already sent are kept meanwhile (see
:func:`.record.record_kept_batches`).
"""

from __future__ import annotations

import contextlib

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections

from .record import CONNECTION_ERRORS

__all__ = ["CONNECTION_ERRORS", "Backoff"]

#: Longest wait between reconnection attempts, in seconds.
MAX_BACKOFF_SECONDS = 60.0


def describe_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    """``database 'name' on host:port`` for messages: never the user's password."""
    connection = connections[alias]
    settings = connection.settings_dict
    label = f"database {str(settings.get('NAME') or '?')!r} ({connection.vendor}"
    if connection.vendor == "sqlite":
        return f"{label})"
    host = settings.get("HOST") or "local socket"
    port = settings.get("PORT")
    return f"{label} on {host}:{port})" if port else f"{label} on {host})"


def error_summary(exc: BaseException, alias: str = DEFAULT_DB_ALIAS) -> str:
    """The first line of a database error, with the password (if any) blanked out."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    password = connections[alias].settings_dict.get("PASSWORD")
    if password:
        text = text.replace(str(password), "********")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def close_broken_connections() -> None:
    """Close every connection of this thread, ignoring errors from already dead ones."""
    for connection in connections.all(initialized_only=True):
        # A dead socket may raise on close; Django forgets the connection anyway.
        with contextlib.suppress(Exception):
            connection.close()


def check_connection(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Open a connection and run one trivial query; raises the connection error if down."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def close_stale_connections() -> None:
    """Between loop passes, as Django's request cycle does: honours ``CONN_MAX_AGE``."""
    close_old_connections()


class Backoff:
    """Waits of 1, 2, 4 … seconds, capped at ``MAX_BACKOFF_SECONDS``; ``reset`` on success."""

    def __init__(self, first: float = 1.0, maximum: float = MAX_BACKOFF_SECONDS) -> None:
        self.first = first
        self.maximum = maximum
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.first * 2**self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
