"""Quiet hours: no SMS or push during a user's night, in the user's own time zone.

Each user may have one :class:`~django_notification_system.models.NotificationUserSettings`
row (created on demand) with an IANA time zone and a daily window of local times. During
the window, due notifications of the channels named by
``NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS`` (default ``["twilio", "expo"]``) are moved
by the dispatcher to the window's end instead of being sent (see :mod:`.hold`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from datetime import timezone as dt_timezone

from django.conf import settings
from django.utils import timezone as django_timezone

from .. import conf
from ..models import NotificationUserSettings
from .windows import local_instant, window_end, zone

__all__ = [
    "local_instant",
    "next_allowed_time",
    "set_quiet_hours",
    "settings_for",
    "time_zones",
    "zone",
]


def settings_for(user) -> NotificationUserSettings:
    """The user's settings row, created (time zone ``TIME_ZONE``, no window) if missing."""
    row, _ = NotificationUserSettings.objects.get_or_create(user_id=getattr(user, "pk", user))
    return row


def time_zones(user_pks: Iterable) -> dict:
    """``{user pk: ZoneInfo}`` for ``user_pks``: the stored time zone, else ``TIME_ZONE``
    (or UTC); one query, none for no users. Other capabilities (digests) call it per batch."""
    user_pks = set(user_pks)
    stored = dict(
        NotificationUserSettings.objects.filter(user_id__in=list(user_pks)).values_list(
            "user_id", "timezone"
        )
        if user_pks
        else ()
    )
    default = zone(settings.TIME_ZONE or "UTC")
    return {pk: zone(stored[pk]) if pk in stored else default for pk in user_pks}


def _parse_time(name: str, value: time | str | None) -> time | None:
    if value is None or isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name} must be a datetime.time, an 'HH:MM' string or None, not {value!r}")


def set_quiet_hours(
    user, start: time | str | None, end: time | str | None, timezone: str | None = None
) -> NotificationUserSettings:
    """Set ``user``'s quiet hours (local times; ``None``, ``None`` clears them).

    ``timezone`` (an IANA name) replaces the stored one when given. Invalid input raises
    ``django.core.exceptions.ValidationError`` naming the field, and nothing is saved.
    """
    row = settings_for(user)
    row.quiet_hours_start = _parse_time("start", start)
    row.quiet_hours_end = _parse_time("end", end)
    if timezone is not None:
        row.timezone = timezone
    row.full_clean(exclude=["user"])
    row.save()
    return row


def _aware(when: datetime) -> datetime:
    if django_timezone.is_naive(when):
        return django_timezone.make_aware(when)
    return when


def next_allowed_time(user, channel: str, when: datetime | None = None) -> datetime:
    """The first instant from ``when`` (default: now) ``channel`` may reach ``user`` (UTC).

    ``when`` itself unless ``channel`` honours quiet hours and ``when`` falls inside the
    user's window; then the window's end. ``channel`` is a ``notification_module_name``.
    """
    when = _aware(when or django_timezone.now()).astimezone(dt_timezone.utc)
    if channel not in conf.quiet_hours_channels():
        return when
    row = (
        NotificationUserSettings.objects.filter(user_id=getattr(user, "pk", user))
        .exclude(quiet_hours_start=None)
        .first()
    )
    if row is None or not row.has_quiet_hours:
        return when
    end = window_end(when, zone(row.timezone), row.quiet_hours_start, row.quiet_hours_end)
    return end or when
