"""Survive SQLite's "database is locked" when two runs overlap: retry the short write."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How many times a locked statement or transaction is tried before the error is raised.
LOCKED_ATTEMPTS = 8


def _is_locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked", or a PostgreSQL deadlock (its victim was rolled back)."""
    message = str(exc).lower()
    if connection.vendor == "postgresql":
        return "deadlock detected" in message
    return connection.vendor == "sqlite" and "locked" in message


def retry_if_locked(operation: Callable[[], T]) -> T:
    """Run ``operation`` (a statement or a whole ``atomic`` block), again if SQLite was locked.

    Only used outside any transaction: a failed attempt changed nothing, so running it
    again is safe. Inside an outer ``atomic`` block the error is raised at once.
    """
    for attempt in range(LOCKED_ATTEMPTS):
        try:
            return operation()
        except OperationalError as exc:
            if not _is_locked(exc) or connection.in_atomic_block:
                raise
            if attempt == LOCKED_ATTEMPTS - 1:
                raise
            delay = 0.05 * 2**attempt * random.uniform(0.5, 1.5)
            logger.warning("database locked; trying again in %.2fs", delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
