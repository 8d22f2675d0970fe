"""Throttles: at most N notifications per period per (user, channel, category).

::

    "comments": {
        "throttle": {"channels": ["twilio"], "rate": "3/h", "over_limit": "digest"},
    }

``rate`` is ``"N/s"``, ``"N/m"``, ``"N/h"`` or ``"N/d"``. Enforced by the throttle rule
(:class:`~.rules.Throttle`) on each claimed batch: the messages sent in the last period are
counted in one query for the whole batch, the batch's rows are let through oldest first while
the allowance lasts, and the rest are, by ``over_limit``:

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
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from ..conf.categories import throttle_configs
from ..conf.category_options import ThrottleConfig
from ..conf.category_options import parse_throttle as parse_throttle
from ..dispatch.locking import retry_if_locked
from ..models import Notification

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


def over_limit_rows(token: uuid.UUID, rows: Sequence, now: datetime) -> dict[str, list[tuple]]:
    """over_limit -> [(row, config, when the limit allows)] for the rows past their limit.

    Runs no query when no row of the batch is throttled, one otherwise.
    """
    configs = throttle_configs() if rows else {}
    candidates: dict = defaultdict(list)
    for row in rows:
        config = configs.get(_category(row))
        channel = row.target_user_record.target.notification_module_name
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
