"""NotificationUserSettings: one user's time zone and quiet hours (one row per user)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .abstract import CreatedModifiedAbstractModel, check_constraint


def default_timezone() -> str:
    """The project's ``TIME_ZONE`` (``"UTC"`` when it is unset), read when a row is created."""
    return settings.TIME_ZONE or "UTC"


def validate_timezone(name: str) -> None:
    """Raise ``ValidationError`` unless ``name`` is an IANA time zone ``zoneinfo`` knows."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError(
            f"{name!r} is not an IANA time zone (e.g. 'Europe/Paris', 'America/New_York').",
            code="invalid_timezone",
        ) from exc


class NotificationUserSettings(CreatedModifiedAbstractModel):
    """A user's notification settings: IANA time zone and daily quiet hours.

    Created on demand (``quiet_hours.settings_for(user)``). ``quiet_hours_start`` and
    ``quiet_hours_end`` are local wall-clock times in ``timezone``; a window may cross
    midnight (22:00 to 07:00); both empty means no quiet hours. During the window, rows
    of the channels in ``NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS`` wait until it ends.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    timezone = models.CharField(
        max_length=64,
        default=default_timezone,
        validators=[validate_timezone],
        help_text="IANA time zone, e.g. Europe/Paris.",
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="Local time the quiet hours begin."
    )
    quiet_hours_end = models.TimeField(
        null=True, blank=True, help_text="Local time the quiet hours end (may be after midnight)."
    )

    class Meta:
        db_table = "notification_system_user_settings"
        verbose_name = "notification user settings"
        verbose_name_plural = "notification user settings"
        constraints = [
            check_constraint(
                Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="dns_user_settings_window_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of user {self.user_id}"

    @property
    def has_quiet_hours(self) -> bool:
        """Whether a quiet-hours window is set."""
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    def clean(self) -> None:
        """Both ends of the window or neither; a window of zero length is refused."""
        super().clean()
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(
                "Set both the start and the end of the quiet hours, or neither.",
                code="incomplete_window",
            )
        if self.has_quiet_hours and self.quiet_hours_start == self.quiet_hours_end:
            raise ValidationError(
                "Quiet hours that start and end at the same time are empty; leave both blank.",
                code="empty_window",
            )
