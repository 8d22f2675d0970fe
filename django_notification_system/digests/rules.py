"""The digest delivery rules: frequency and digest hold, then throttles.

:class:`DigestHold` holds a row in its digest window when its user's frequency for its
(category, channel) is hourly, daily or weekly, or when its category's ``digest`` option names
its channel; its ``before_run``/``after_run`` hooks make the digests of closed windows and
give carried items their digest's status. :class:`Throttle` holds, defers or drops the rows
past their category's ``throttle``. Both cost no query while no category is declared.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from ..models import DigestWindow, Notification
from ..preferences import categories
from ..rules.base import Hold, Reschedule, Rule, RuleContext, Settle
from .config import digest_configs
from .flush import flush_due_digests
from .frequency import held_by_frequency
from .hold import HELD_FOR_DIGEST, rows_to_hold
from .settle import settle_carried_items
from .throttle import THROTTLED_DEFERRED, THROTTLED_HELD, over_limit_rows, throttle_configs

logger = logging.getLogger(__name__)

#: Summary keys of the run hooks (the command prints them in lower case).
DIGESTS_MADE = "DIGESTS MADE"
ITEMS_SETTLED = "DIGEST ITEMS SETTLED"
ITEMS_OPTED_OUT = "OPTED OUT (at digest)"
HELD_REASON = "Held for a digest."


def in_use() -> bool:
    """Whether held items may exist: a category has a digest or a throttle, or a digest
    window exists (a user's frequency held something)."""
    if not categories():
        return False
    return bool(digest_configs() or throttle_configs()) or DigestWindow.objects.exists()


class DigestHold(Rule):
    """Hold for a digest what the user's frequency or the category's digest asks for.

    Digests themselves and rows of critical categories are never held. One query for the
    frequencies when the batch has categorised rows, one for time zones when a row is daily
    or weekly.
    """

    name = "digests"

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        by_frequency = held_by_frequency(notifications, context.now)
        decisions = {
            n.pk: Hold(HELD_REASON, until=due, frequency=frequency, key=HELD_FOR_DIGEST)
            for n, (frequency, due) in by_frequency.items()
        }
        for n in rows_to_hold(notifications):
            decisions.setdefault(n.pk, Hold(HELD_REASON, key=HELD_FOR_DIGEST))
        return decisions

    def before_run(self, context: RuleContext) -> Counter:
        """Settle items of digests that ended, then make the digests of closed windows.

        Runs before the dispatcher fixes its ``due_before``, so the new digests go out in
        the same run.
        """
        if not in_use():
            return Counter()
        counts: Counter = Counter()
        counts[ITEMS_SETTLED] += settle_carried_items(context.now)
        flushed = flush_due_digests(
            batch_size=context.batch_size,
            lease=context.lease,
            now=context.now,
            targets=context.targets,
        )
        counts[DIGESTS_MADE] += flushed.digests
        counts[ITEMS_OPTED_OUT] += flushed.opted_out
        return +counts

    def after_run(self, context: RuleContext) -> Counter:
        """Give the items of the digests this run finished their digest's status."""
        if not in_use():
            return Counter()
        return +Counter({ITEMS_SETTLED: settle_carried_items(context.now)})


class Throttle(Rule):
    """At most N per period per (user, channel, category): the rest held, deferred or
    dropped by the category's ``over_limit``. One query when the batch has throttled rows."""

    name = "throttles"

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        found = over_limit_rows(context.claim_token, notifications, context.now)
        decisions: dict = {}
        for row, config, allowed_at in found.get("digest", []):
            decisions[row.pk] = Hold(
                config.reason(_channel(row)), until=allowed_at, key=THROTTLED_HELD
            )
        for row, config, allowed_at in found.get("defer", []):
            decisions[row.pk] = Reschedule(
                allowed_at, config.reason(_channel(row)), key=THROTTLED_DEFERRED
            )
        for row, config, _ in found.get("drop", []):
            decisions[row.pk] = Settle(Notification.CANCELLED, config.reason(_channel(row)))
        return decisions


def _channel(row: Notification) -> str:
    return row.target_user_record.target.notification_module_name
