"""Quiet hours over rows grouped by channel, outside the dispatcher's chain.

The dispatcher runs :class:`~.rules.QuietHours` as one rule of its chain; this helper runs
that rule alone on rows claimed under ``token`` and writes its decisions the same way.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.db import router

from ..dispatch.decisions import RuleContext, write_decisions
from ..models import Notification
from .rules import HELD, QuietHours, critical_categories, user_window_ends

logger = logging.getLogger(__name__)

__all__ = ["HELD", "critical_categories", "hold_for_quiet_hours", "user_window_ends"]


def hold_for_quiet_hours(token: uuid.UUID, to_send: dict[str, list], now: datetime) -> int:
    """Take the rows to hold out of ``to_send`` (channel -> rows) and reschedule them.

    Returns how many rows were held. Runs no query when no row of the batch is on a
    quiet channel, and at most two (read the users' settings, one UPDATE) otherwise.
    """
    rows = [n for channel_rows in to_send.values() for n in channel_rows]
    context = RuleContext(now=now, using=router.db_for_write(Notification), claim_token=token)
    decisions = QuietHours().decide(rows, context)
    if not decisions:
        return 0
    held = write_decisions(
        token, [(n, decisions[n.pk]) for n in rows if n.pk in decisions], context
    )
    for channel in list(to_send):
        to_send[channel] = [n for n in to_send[channel] if n.pk not in decisions]
        if not to_send[channel]:
            del to_send[channel]
    logger.info("held %d notifications until the end of their users' quiet hours", held[HELD])
    return held[HELD]
