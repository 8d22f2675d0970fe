"""When a failed notification is tried again: the fixed (1.5.3) or exponential policy."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from .. import conf

#: No delay is ever longer than ten years, whatever the settings say: dates stay valid.
MAX_DELAY_MINUTES = 10 * 366 * 24 * 60


def is_exhausted(notification) -> bool:
    """True when this failure is the last allowed: ``retry_attempts`` reaches ``max_retries``."""
    return notification.retry_attempts + 1 >= notification.max_retries


def provider_delay(after: object) -> timedelta | None:
    """A provider's Retry-After as a usable delay, or ``None`` to follow the policy.

    Anything that is not a finite, non-negative ``timedelta`` or number of seconds
    (a custom handler may return anything) is ignored; a valid delay is clamped to
    ``NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES``, so no provider can park a row for years.
    """
    if isinstance(after, bool) or after is None:
        return None
    if isinstance(after, (int, float)):
        if not math.isfinite(after) or after < 0:
            return None
        seconds = float(after)
    elif isinstance(after, timedelta):
        if after < timedelta(0):
            return None
        seconds = after.total_seconds()
    else:
        return None
    return timedelta(seconds=min(seconds, _max_backoff().total_seconds()))


def _max_backoff() -> timedelta:
    return timedelta(minutes=min(conf.max_backoff_minutes(), MAX_DELAY_MINUTES))


def retry_delay(notification, after: object = None) -> timedelta:
    """How long to wait after the failure now being recorded.

    ``fixed``: ``retry_time_interval`` minutes. ``exponential``: ``retry_time_interval``
    (at least one minute) doubled per failed attempt, capped by
    ``NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES``, with "equal jitter" (a random point in
    the upper half) so that a burst of failures does not come back as a burst. A
    provider's Retry-After (``after``) wins when it is longer, up to the same maximum.
    """
    if conf.retry_policy() == "exponential":
        base = max(notification.retry_time_interval, 1)
        failures = notification.retry_attempts + 1
        cap = min(conf.max_backoff_minutes(), MAX_DELAY_MINUTES)
        minutes = min(cap, base * 2 ** min(failures - 1, 32))
        delay = timedelta(minutes=random.uniform(minutes / 2, minutes))
    else:
        delay = timedelta(minutes=min(notification.retry_time_interval, MAX_DELAY_MINUTES))
    provider = provider_delay(after)
    if provider is not None and provider > delay:
        return provider
    return delay


def next_attempt_at(notification, now: datetime, after: object = None) -> datetime:
    """The ``scheduled_delivery`` of the next attempt (never past year 9999)."""
    try:
        return now + retry_delay(notification, after)
    except OverflowError:
        return now + timedelta(minutes=MAX_DELAY_MINUTES)
