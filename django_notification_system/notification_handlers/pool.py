"""Provider connections kept open across the batches of a run and shared by sender threads.

A handler's sender threads ``acquire`` a connection (opened on first use), give it back
with ``release`` when their share of a batch is sent, or ``discard`` it after an error
(closed, never reused). The dispatcher calls the handler module's ``begin_run`` and
``end_run`` around a run; when no run is open (a direct ``send_batch`` call), the handler
closes its connections at the end of the call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class ConnectionPool:
    """Idle connections made by ``factory`` (which opens them), closed by ``close``."""

    def __init__(self, factory: Callable[[], Any], close: Callable[[Any], None]) -> None:
        self._factory = factory
        self._close = close
        self._lock = threading.Lock()
        self._idle: list = []
        self._runs = 0
        self.opened = 0  # connections opened since the process started (benchmarks, tests)

    def acquire(self) -> Any:
        """An idle connection, or a newly opened one (its errors propagate)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        connection = self._factory()
        with self._lock:
            self.opened += 1
        return connection

    def release(self, connection: Any) -> None:
        """Keep ``connection`` for the next batch, or close it if no run is open."""
        with self._lock:
            if self._runs:
                self._idle.append(connection)
                return
        self._close_quietly(connection)

    def discard(self, connection: Any) -> None:
        """Close a connection that failed; it is never handed out again."""
        self._close_quietly(connection)

    def begin_run(self) -> None:
        with self._lock:
            self._runs += 1

    def end_run(self) -> None:
        """The run is over: close the idle connections once no run of this process is open."""
        with self._lock:
            self._runs = max(0, self._runs - 1)
            idle, self._idle = (self._idle, []) if not self._runs else ([], self._idle)
        for connection in idle:
            self._close_quietly(connection)

    def _close_quietly(self, connection: Any) -> None:
        try:
            self._close(connection)
        except Exception as exc:  # its text may name an address: the type only
            logger.warning("closing a provider connection failed (%s)", type(exc).__name__)
