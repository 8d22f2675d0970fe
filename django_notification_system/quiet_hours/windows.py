"""Quiet-hours arithmetic in a user's time zone: pure functions, no database.

A window is two local wall-clock times; it crosses midnight when the end is not after the
start (22:00 to 07:00). Whether an instant is inside is decided on the local wall clock,
and the end is the local end time on the right local date converted back to UTC, so a
window ending at 07:00 ends at 07:00 local also on the days the clocks move.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings

logger = logging.getLogger(__name__)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The ``ZoneInfo`` for ``name``; the project's ``TIME_ZONE`` (or UTC) if it is not one.

    Stored names are validated, so a bad one can only come from outside the model (raw
    SQL, a time zone database that lost a name): it is logged, not fatal to a run.
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        logger.warning("unknown time zone %r in notification user settings; using TIME_ZONE", name)
        return zoneinfo.ZoneInfo(settings.TIME_ZONE or "UTC")


def local_instant(day: date, wall: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """``day`` at local wall-clock ``wall`` in ``tz``, as an aware UTC datetime.

    A wall time the clocks skip (in a spring-forward gap) maps to the instant after the
    gap; a repeated one (autumn) to its first occurrence: never earlier than asked.
    """
    return datetime.combine(day, wall, tzinfo=tz).astimezone(dt_timezone.utc)


def window_end(when: datetime, tz: zoneinfo.ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet window around ``when`` ends (aware UTC), or ``None`` if outside it.

    ``when`` is an aware datetime; ``start``/``end`` are local wall-clock times in ``tz``.
    """
    local = when.astimezone(tz)
    wall = local.time()
    if start == end:
        return None
    if start < end:
        inside, end_day = start <= wall < end, local.date()
    elif wall >= start:
        inside, end_day = True, local.date() + timedelta(days=1)
    else:
        inside, end_day = wall < end, local.date()
    if not inside:
        return None
    return local_instant(end_day, end, tz)
