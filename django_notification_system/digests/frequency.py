"""Per-user digest frequency: which rows a user's ``frequency`` preference holds, and until when.

A preference row may give a (category, channel) the frequency ``"hourly"``, ``"daily"`` or
``"weekly"`` (see :func:`~django_notification_system.preferences.set_preference`); the
user's notifications of that pair are then held for a digest, whether or not the category
has a ``digest`` option. Each held row's ``scheduled_delivery`` becomes the instant its digest
is due (:func:`due_at`); its window closes when its oldest row is due (see :mod:`.flush`).
Critical categories are never held.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from .. import conf
from ..models.preference import DAILY, HOURLY, IMMEDIATE, WEEKLY
from ..preferences import categories
from ..preferences.resolution import frequencies_many
from ..quiet_hours import local_instant, time_zones

__all__ = ["DAILY", "HOURLY", "IMMEDIATE", "WEEKLY", "due_at", "held_by_frequency"]

#: How long after it is held an hourly row's digest is due.
HOUR = timedelta(hours=1)


def due_at(frequency: str, held: datetime, tz: zoneinfo.ZoneInfo, hour: int, weekday: int):
    """When the digest of a row held at ``held`` (aware) is due: an hour later (hourly), or
    the first ``hour`` o'clock in ``tz`` after ``held`` (daily), on ``weekday`` (weekly,
    0 = Monday). Local wall-clock arithmetic: one instant per local day, also on the days
    the clocks change (an hour the clocks skip maps to the instant after the gap, a repeated
    one to its first occurrence)."""
    if frequency == HOURLY:
        return held + HOUR
    day = held.astimezone(tz).date()
    step = timedelta(days=7 if frequency == WEEKLY else 1)
    if frequency == WEEKLY:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    due = local_instant(day, time(hour), tz)
    if due <= held:
        due = local_instant(day + step, time(hour), tz)
    return due


def held_by_frequency(rows: Sequence, now: datetime) -> dict:
    """``{row: (frequency, due)}`` for the ``rows`` their user's frequency holds.

    One query for the frequencies when the batch has rows of a declared, non-critical
    category (none otherwise), one for the users' time zones when a row is daily or weekly.
    Digests themselves are never held again.
    """
    declared = categories() if rows else {}
    candidates = {
        row: (
            row.target_user_record.user_id,
            row.__dict__.get("category") or "",
            row.target_user_record.target.notification_module_name,
        )
        for row in rows
        if not row.__dict__.get("is_digest")
        and (category := declared.get(row.__dict__.get("category") or "")) is not None
        and not category.critical
    }
    if not candidates:
        return {}
    frequencies = frequencies_many(set(candidates.values()))
    chosen = {row: frequencies[key] for row, key in candidates.items()}
    chosen = {row: frequency for row, frequency in chosen.items() if frequency != IMMEDIATE}
    local = {row.target_user_record.user_id for row, f in chosen.items() if f != HOURLY}
    zones = time_zones(local) if local else {}
    hour, weekday = conf.digest_hour(), conf.digest_weekday()
    return {
        row: (
            frequency,
            due_at(frequency, now, zones.get(row.target_user_record.user_id), hour, weekday),
        )
        for row, frequency in chosen.items()
    }
