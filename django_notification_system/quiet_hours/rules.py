"""The quiet-hours delivery rule: no SMS or push during the user's night.

Rows of a quiet channel (``NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS``) whose user is inside
their window are rescheduled to the window's end (no attempt counted, the lease dropped).
The users' settings of the whole batch are read in one query, none when no row is on a
quiet channel. Rows of critical categories are never held.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .. import conf
from ..conf.categories import critical_categories
from ..dispatch.locking import retry_if_locked
from ..models import NotificationUserSettings
from ..rules.base import Reschedule, Rule, RuleContext
from .windows import window_end, zone

logger = logging.getLogger(__name__)

#: Summary key of the rows a run held back for quiet hours.
HELD = "HELD (quiet hours)"
REASON = "Quiet hours: moved to the end of the user's window."


def user_window_ends(user_ids: set, now: datetime, using: str | None = None) -> dict:
    """user pk -> end of the quiet window ``now`` falls in, for the users inside one (1 query)."""
    rows = (
        NotificationUserSettings.objects.using(using)
        .filter(
            user_id__in=list(user_ids),
            quiet_hours_start__isnull=False,
            quiet_hours_end__isnull=False,
        )
        .values_list("user_id", "timezone", "quiet_hours_start", "quiet_hours_end")
    )
    ends = {}
    for user_id, zone_name, start, end in retry_if_locked(lambda: list(rows)):
        found = window_end(now, zone(zone_name), start, end)
        if found is not None:
            ends[user_id] = found if settings.USE_TZ else timezone.make_naive(found)
    return ends


class QuietHours(Rule):
    """Reschedule the rows of quiet channels whose user is inside their quiet window."""

    name = "quiet hours"

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        channels = set(conf.quiet_hours_channels())
        candidates = [
            n
            for n in notifications
            if n.target_user_record.target.notification_module_name in channels
        ]
        if not candidates:
            return {}
        critical = critical_categories()
        candidates = [n for n in candidates if n.category not in critical]
        if not candidates:
            return {}
        now = context.now if timezone.is_aware(context.now) else timezone.make_aware(context.now)
        users = {n.target_user_record.user_id for n in candidates}
        ends = user_window_ends(users, now, context.using)
        return {
            n.pk: Reschedule(ends[n.target_user_record.user_id], REASON, key=HELD)
            for n in candidates
            if n.target_user_record.user_id in ends
        }
