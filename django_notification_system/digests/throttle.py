"""Throttles: at most N notifications per period per (user, channel, category).

::

    "comments": {
        "throttle": {"channels": ["twilio"], "rate": "3/h", "over_limit": "digest"},
    }

``rate`` is ``"N/s"``, ``"N/m"``, ``"N/h"`` or ``"N/d"``. Enforced by the dispatcher on each
claimed batch: the messages sent in the last period are counted in one query for the whole
batch, the batch's rows are let through oldest first while the allowance lasts, and the rest
are, by ``over_limit``:

``"digest"`` (default)
   held in their digest window until the limit allows, then sent together as one digest;
``"defer"``
   rescheduled (SCHEDULED, no attempt counted) to when the limit allows;
``"drop"``
   settled CANCELLED with the reason.

Digests themselves are never throttled (each counts as one message sent). Critical
categories are never throttled. Concurrent workers each see the sends recorded before their
batch, so the limit is exact for one worker and may be passed by a batch in flight elsewhere.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from ..conf.categories import throttle_configs
from ..conf.category_options import ThrottleConfig
from ..conf.category_options import parse_throttle as parse_throttle
from ..dispatch.locking import retry_if_locked
from ..dispatch.record import per_row
from ..models import Notification
from .hold import hold_rows

#: Summary keys of what throttles did to a batch's rows.
THROTTLED_HELD = "THROTTLED (held for a digest)"
THROTTLED_DEFERRED = "THROTTLED (deferred)"


def _category(notification: Notification) -> str:
    return notification.__dict__.get("category") or ""


def recent_sends(
    token: uuid.UUID, keys: set[tuple], configs: dict[str, ThrottleConfig], now: datetime
) -> dict:
    """(user pk, channel, category) -> (messages sent in its period, oldest of them); 1 query.

    A message is a row sent on its own or a digest (items a digest carried are not counted);
    rows in flight count, except this batch's own (claimed under ``token``).
    """
    by_category: dict = defaultdict(set)
    for user, channel, category in keys:
        by_category[category].add((user, channel))
    condition = Q()
    for category, pairs in by_category.items():
        condition |= Q(
            category=category,
            attempted_delivery__gte=now - timedelta(seconds=configs[category].period),
            target_user_record__user_id__in={user for user, _ in pairs},
            target_user_record__target__notification_module_name__in={c for _, c in pairs},
        )
    rows = (
        Notification.objects.filter(condition)
        .filter(status__in=[Notification.DELIVERED, Notification.SENDING], digest__isnull=True)
        .exclude(claim_token=token)
        .values_list(
            "target_user_record__user_id",
            "target_user_record__target__notification_module_name",
            "category",
        )
        .annotate(sent=Count("pk"), oldest=Min("attempted_delivery"))
        .order_by()
    )
    return {
        (u, ch, c): (sent, oldest)
        for u, ch, c, sent, oldest in retry_if_locked(lambda: list(rows))
    }


def over_limit_rows(
    token: uuid.UUID, to_send: dict[str, list], now: datetime
) -> dict[str, list[tuple]]:
    """over_limit -> [(row, config, when the limit allows)] for the rows past their limit.

    Runs no query when no row of the batch is throttled, one otherwise.
    """
    configs = throttle_configs() if to_send else {}
    candidates: dict = defaultdict(list)
    for channel, rows in to_send.items():
        for row in rows:
            config = configs.get(_category(row))
            if config and channel in config.channels and not row.__dict__.get("is_digest"):
                key = (row.target_user_record.user_id, channel, config.category.key)
                candidates[key].append(row)
    if not candidates:
        return {}
    sent = recent_sends(token, set(candidates), configs, now)
    found: dict = defaultdict(list)
    for key, rows in candidates.items():
        config = configs[key[2]]
        count, oldest = sent.get(key, (0, None))
        allowance = max(config.limit - count, 0)
        allowed_at = (oldest or now) + timedelta(seconds=config.period)
        ordered = sorted(rows, key=lambda r: r.scheduled_delivery)
        found[config.over_limit].extend((row, config, allowed_at) for row in ordered[allowance:])
    return found


def _defer(token: uuid.UUID, items: list[tuple], now: datetime) -> int:
    field = Notification._meta.get_field("scheduled_delivery")
    times = {row.pk: allowed_at for row, _, allowed_at in items}
    guarded = Notification.objects.filter(
        pk__in=list(times), claim_token=token, status=Notification.SENDING
    )
    return retry_if_locked(
        lambda: guarded.update(
            status=Notification.SCHEDULED,
            attempted_delivery=None,
            scheduled_delivery=per_row(field, times),
            lease_expires_at=None,
            claim_token=None,
            modified_date=now,
        )
    )


def apply_throttles(
    token: uuid.UUID, to_send: dict[str, list], to_settle: dict[tuple, list], now: datetime
) -> Counter:
    """Take the rows past their limit out of ``to_send``: hold, defer, or add them to
    ``to_settle`` (CANCELLED with the reason). Returns counts for the run's summary.

    Constant queries per batch: none without throttled rows; otherwise one count, plus at
    most three writes (create windows, read them, hold) and one deferral UPDATE.
    """
    found = over_limit_rows(token, to_send, now)
    if not found:
        return Counter()
    counts: Counter = Counter()
    if found.get("digest"):
        held = [row for row, _, _ in found["digest"]]
        until = {row.pk: allowed_at for row, _, allowed_at in found["digest"]}
        counts[THROTTLED_HELD] += hold_rows(token, held, now, until=until)
    if found.get("defer"):
        counts[THROTTLED_DEFERRED] += _defer(token, found["defer"], now)
    for row, config, _ in found.get("drop", []):
        channel = row.target_user_record.target.notification_module_name
        to_settle[(Notification.CANCELLED, config.reason(channel))].append(row)
    taken = {row.pk for items in found.values() for row, _, _ in items}
    for channel in list(to_send):
        to_send[channel] = [n for n in to_send[channel] if n.pk not in taken]
        if not to_send[channel]:
            del to_send[channel]
    return counts
