"""The dispatcher's quiet-hours step: hold back a claimed batch's rows during quiet hours.

Called once per claimed batch with the rows about to be sent, grouped by channel. Rows of
a quiet channel whose user is inside their window go back to SCHEDULED at the window's
end (no attempt counted, the lease dropped) in one guarded ``UPDATE``; the user settings
of the whole batch are read in one query. Rows of critical categories are never held.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .. import conf
from ..dispatch.locking import retry_if_locked
from ..dispatch.record import per_row
from ..models import Notification, NotificationUserSettings
from ..preferences.categories import categories
from .windows import window_end, zone

logger = logging.getLogger(__name__)

#: Summary key of the rows a run held back for quiet hours.
HELD = "HELD (quiet hours)"


def critical_categories() -> frozenset[str]:
    """Categories marked ``critical`` in ``NOTIFICATION_SYSTEM_CATEGORIES``: never held."""
    return frozenset(key for key, category in categories().items() if category.critical)


def user_window_ends(user_ids: set, now: datetime) -> dict:
    """user pk -> end of the quiet window ``now`` falls in, for the users inside one (1 query)."""
    rows = NotificationUserSettings.objects.filter(
        user_id__in=list(user_ids), quiet_hours_start__isnull=False, quiet_hours_end__isnull=False
    ).values_list("user_id", "timezone", "quiet_hours_start", "quiet_hours_end")
    ends = {}
    for user_id, zone_name, start, end in retry_if_locked(lambda: list(rows)):
        found = window_end(now, zone(zone_name), start, end)
        if found is not None:
            ends[user_id] = found if settings.USE_TZ else timezone.make_naive(found)
    return ends


def hold_for_quiet_hours(token: uuid.UUID, to_send: dict[str, list], now: datetime) -> int:
    """Take the rows to hold out of ``to_send`` (channel -> rows) and reschedule them.

    Returns how many rows were held. Runs no query when no row of the batch is on a
    quiet channel, and at most two (read the users' settings, one UPDATE) otherwise.
    """
    channels = set(conf.quiet_hours_channels()) & set(to_send)
    if not channels:
        return 0
    critical = critical_categories()
    candidates = [
        n for channel in channels for n in to_send[channel] if n.category not in critical
    ]
    if not candidates:
        return 0
    aware_now = now if timezone.is_aware(now) else timezone.make_aware(now)
    ends = user_window_ends({n.target_user_record.user_id for n in candidates}, aware_now)
    held = {
        n.pk: ends[n.target_user_record.user_id]
        for n in candidates
        if n.target_user_record.user_id in ends
    }
    if not held:
        return 0
    field = Notification._meta.get_field("scheduled_delivery")
    rows = Notification.objects.filter(
        pk__in=list(held), claim_token=token, status=Notification.SENDING
    )
    retry_if_locked(
        lambda: rows.update(
            status=Notification.SCHEDULED,
            attempted_delivery=None,
            scheduled_delivery=per_row(field, held),
            lease_expires_at=None,
            claim_token=None,
            modified_date=now,
        )
    )
    for channel in channels:
        to_send[channel] = [n for n in to_send[channel] if n.pk not in held]
        if not to_send[channel]:
            del to_send[channel]
    logger.info("held %d notifications until the end of their users' quiet hours", len(held))
    return len(held)
