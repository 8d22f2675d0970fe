"""The dispatcher's digest step: hold back a claimed batch's rows that belong in a digest.

Called once per claimed batch with the rows about to be sent, grouped by channel. A row
becomes HELD in its (record, category) window instead of being sent (no attempt counted,
the lease dropped) when its user's frequency for its (category, channel) is hourly, daily or
weekly (its ``scheduled_delivery`` becomes when its digest is due, see :mod:`.frequency`), or
else when its category has a ``digest`` option naming its channel. Digests themselves and
rows of critical categories are never held. A constant number of queries per batch: the
frequencies (when the batch has categorised rows) and time zones (when a row is daily or
weekly), then at most four writes (create the missing windows, read them, record their
frequency when it changed, one guarded UPDATE), none when nothing is held.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.db.models import Case, F, When

from ..dispatch.locking import retry_if_locked
from ..dispatch.record import per_row
from ..models import DigestWindow, Notification
from .config import digest_configs
from .frequency import held_by_frequency

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


def window_ids(pairs: set[tuple], frequencies: dict | None = None) -> dict[tuple, uuid.UUID]:
    """(record pk, category) -> DigestWindow pk, creating the missing windows; two queries.

    ``frequencies`` ((record pk, category) -> frequency or ``None``) is recorded on the
    windows where it changed: a third query, only then.
    """
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
    ).values_list("target_user_record_id", "category", "pk", "frequency")
    found = {}
    changed = {}
    for record, category, pk, frequency in rows:
        if (record, category) in pairs:
            found[(record, category)] = pk
            wanted = (frequencies or {}).get((record, category))
            if wanted != frequency:
                changed[pk] = wanted
    if changed:
        field = DigestWindow._meta.get_field("frequency")
        DigestWindow.objects.filter(pk__in=list(changed)).update(frequency=per_row(field, changed))
    return found


def hold_rows(
    token: uuid.UUID,
    rows: list[Notification],
    now: datetime,
    until: dict | None = None,
    frequencies: dict | None = None,
) -> int:
    """Make claimed ``rows`` HELD in their windows; return how many changed (guarded by token).

    ``until`` (row pk -> datetime) moves those rows' ``scheduled_delivery``: a throttled row
    is held until its limit allows, and its window closes no earlier; a row held by its
    user's frequency, until its digest is due. ``frequencies`` ((record pk, category) ->
    frequency) marks the windows a user's frequency holds; the others' mark is cleared.
    """
    if not rows:
        return 0
    pairs = {(n.target_user_record_id, _category(n)) for n in rows}
    windows = retry_if_locked(lambda: window_ids(pairs, frequencies))
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
        delivery = Notification._meta.get_field("scheduled_delivery")
        moved = per_row(delivery, until)
        if len(until) < len(by_row):  # the others keep theirs
            moved = Case(
                When(pk__in=list(until), then=moved),
                default=F("scheduled_delivery"),
                output_field=delivery,
            )
        values["scheduled_delivery"] = moved
    return retry_if_locked(lambda: guarded.update(**values))


def hold_for_digests(token: uuid.UUID, to_send: dict[str, list], now: datetime) -> int:
    """Take the rows to hold out of ``to_send`` and hold them; return how many were held."""
    by_frequency = held_by_frequency(to_send, now)
    rows = [*by_frequency, *(n for n in rows_to_hold(to_send) if n not in by_frequency)]
    if not rows:
        return 0
    until = {n.pk: due for n, (_, due) in by_frequency.items()}
    frequencies = {
        (n.target_user_record_id, _category(n)): frequency
        for n, (frequency, _) in by_frequency.items()
    }
    held = hold_rows(token, rows, now, until=until, frequencies=frequencies)
    pks = {n.pk for n in rows}
    for channel in list(to_send):
        to_send[channel] = [n for n in to_send[channel] if n.pk not in pks]
        if not to_send[channel]:
            del to_send[channel]
    logger.info("held %d notifications for their digests", held)
    return held
