"""Which claimed rows belong in a digest (the digest rule, :mod:`.rules`, holds them).

A row
becomes HELD in its (record, category) window instead of being sent (no attempt counted,
the lease dropped) when its user's frequency for its (category, channel) is hourly, daily or
weekly (its ``scheduled_delivery`` becomes when its digest is due, see :mod:`.frequency`), or
else when its category has a ``digest`` option naming its channel. Digests themselves and
rows of critical categories are never held. A constant number of queries per batch: the
frequencies (when the batch has categorised rows) and time zones (when a row is daily or
weekly); the dispatcher's decision writer then creates the missing windows, reads them,
records their frequency when it changed and holds the rows in one guarded UPDATE.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dispatch.decisions import window_ids
from ..models import Notification
from .config import digest_configs

__all__ = ["HELD_FOR_DIGEST", "rows_to_hold", "window_ids"]

#: Summary key of the rows a run held for a digest.
HELD_FOR_DIGEST = "HELD (digest)"


def _category(notification: Notification) -> str:
    # The loaded value only: a deferred column would cost a query per row.
    return notification.__dict__.get("category") or ""


def rows_to_hold(rows: Sequence[Notification]) -> list[Notification]:
    """The ``rows`` whose category's ``digest`` option names their channel; no query."""
    configs = digest_configs() if rows else {}
    if not configs:
        return []
    return [
        notification
        for notification in rows
        if not notification.__dict__.get("is_digest")
        and (config := configs.get(_category(notification))) is not None
        and notification.target_user_record.target.notification_module_name in config.channels
    ]
