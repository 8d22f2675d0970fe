"""The dispatcher's digest step: hold back a claimed batch's rows that belong in a digest.

Called once per claimed batch with the rows about to be sent, grouped by channel. A row of a
category with a ``digest`` option, on one of its channels, becomes HELD in its (record,
category) window instead of being sent: no attempt counted, the lease dropped. Digests
themselves and rows of critical categories are never held. At most three queries per batch
(create the missing windows, read their ids, one guarded UPDATE), none when nothing is held.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from ..dispatch.locking import retry_if_locked
from ..dispatch.record import per_row
from ..models import DigestWindow, Notification
from .config import digest_configs

logger = logging.getLogger(__name__)

#: Summary key of the rows a run held for a digest.
HELD_FOR_DIGEST = "HELD (digest)"


def _category(notification: Notification) -> str:
    # The loaded value only: a deferred column would cost a query per row.
    return notification.__dict__.get("category") or ""


def rows_to_hold(to_send: dict[str, list]) -> list[Notification]:
    """The rows of ``to_send`` (channel -> rows) that belong in a digest; no query."""
    configs = digest_configs() if to_send else {}
    if not configs:
        return []
    return [
        notification
        for channel, rows in to_send.items()
        for notification in rows
        if not notification.__dict__.get("is_digest")
        and (config := configs.get(_category(notification))) is not None
        and channel in config.channels
    ]


def window_ids(pairs: set[tuple]) -> dict[tuple, uuid.UUID]:
    """(record pk, category) -> DigestWindow pk, creating the missing windows; two queries."""
    DigestWindow.objects.bulk_create(
        [
            DigestWindow(target_user_record_id=record, category=category)
            for record, category in pairs
        ],
        ignore_conflicts=True,
    )
    rows = DigestWindow.objects.filter(
        target_user_record_id__in={record for record, _ in pairs},
        category__in={category for _, category in pairs},
    ).values_list("target_user_record_id", "category", "pk")
    return {(record, category): pk for record, category, pk in rows}


def hold_rows(
    token: uuid.UUID, rows: list[Notification], now: datetime, until: dict | None = None
) -> int:
    """Make claimed ``rows`` HELD in their windows; return how many changed (guarded by token).

    ``until`` (row pk -> datetime) moves those rows' ``scheduled_delivery``: a throttled row
    is held until its limit allows, and its window closes no earlier.
    """
    if not rows:
        return 0
    pairs = {(n.target_user_record_id, _category(n)) for n in rows}
    windows = retry_if_locked(lambda: window_ids(pairs))
    field = Notification._meta.get_field("digest_window").target_field
    by_row = {n.pk: windows[(n.target_user_record_id, _category(n))] for n in rows}
    guarded = Notification.objects.filter(
        pk__in=list(by_row), claim_token=token, status=Notification.SENDING
    )
    values = {
        "status": Notification.HELD,
        "digest_window": per_row(field, by_row),
        "attempted_delivery": None,
        "lease_expires_at": None,
        "claim_token": None,
        "modified_date": now,
    }
    if until:
        values["scheduled_delivery"] = per_row(
            Notification._meta.get_field("scheduled_delivery"), until
        )
    return retry_if_locked(lambda: guarded.update(**values))


def hold_for_digests(token: uuid.UUID, to_send: dict[str, list], now: datetime) -> int:
    """Take the rows to hold out of ``to_send`` and hold them; return how many were held."""
    rows = rows_to_hold(to_send)
    if not rows:
        return 0
    held = hold_rows(token, rows, now)
    pks = {n.pk for n in rows}
    for channel in list(to_send):
        to_send[channel] = [n for n in to_send[channel] if n.pk not in pks]
        if not to_send[channel]:
            del to_send[channel]
    logger.info("held %d notifications for their digests", held)
    return held
