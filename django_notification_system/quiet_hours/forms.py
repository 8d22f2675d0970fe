"""A form for a user's own time zone and quiet hours (used by the preferences page)."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django import forms

from ..models import NotificationUserSettings


@lru_cache(maxsize=1)
def timezone_choices() -> tuple[tuple[str, str], ...]:
    """Every IANA zone ``zoneinfo`` knows, sorted, as form choices."""
    return tuple((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))


class QuietHoursForm(forms.ModelForm):
    """Time zone (a list of IANA zones) and the local start and end of the quiet hours.

    Built for ``user``'s settings row if it exists, an unsaved one otherwise: a row is
    created only when the form is saved. The model's validation applies (a known zone,
    both ends of the window or neither, not an empty window).
    """

    class Meta:
        model = NotificationUserSettings
        fields = ("timezone", "quiet_hours_start", "quiet_hours_end")
        labels = {
            "timezone": "Time zone",
            "quiet_hours_start": "Quiet hours from",
            "quiet_hours_end": "Quiet hours until",
        }
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, user, *args, **kwargs) -> None:
        instance = NotificationUserSettings.objects.filter(user=user).first()
        kwargs.setdefault("prefix", "quiet")
        super().__init__(*args, instance=instance or NotificationUserSettings(user=user), **kwargs)
        current = self.instance.timezone
        choices = timezone_choices()
        if current and current not in dict(choices):
            choices = ((current, current), *choices)
        self.fields["timezone"].widget = forms.Select(choices=choices)
