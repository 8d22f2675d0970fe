"""When a failed notification is tried again: the fixed (1.5.3) or exponential policy."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .. import conf


def is_exhausted(notification) -> bool:
    """True when this failure is the last allowed: ``retry_attempts`` reaches ``max_retries``."""
    return notification.retry_attempts + 1 >= notification.max_retries


def retry_delay(notification, after: timedelta | None = None) -> timedelta:
    """How long to wait after the failure now being recorded.

    ``fixed``: ``retry_time_interval`` minutes. ``exponential``: ``retry_time_interval``
    (at least one minute) doubled per failed attempt, capped by
    ``NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES``, with "equal jitter" (a random point in
    the upper half) so that a burst of failures does not come back as a burst. A
    provider's Retry-After (``after``) wins when it is longer.
    """
    if conf.retry_policy() == "exponential":
        base = max(notification.retry_time_interval, 1)
        failures = notification.retry_attempts + 1
        cap = conf.max_backoff_minutes()
        minutes = min(cap, base * 2 ** min(failures - 1, 32))
        delay = timedelta(minutes=random.uniform(minutes / 2, minutes))
    else:
        delay = timedelta(minutes=notification.retry_time_interval)
    if after is not None and after > delay:
        return after
    return delay


def next_attempt_at(notification, now: datetime, after: timedelta | None = None) -> datetime:
    """The ``scheduled_delivery`` of the next attempt."""
    return now + retry_delay(notification, after)
