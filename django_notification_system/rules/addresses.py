"""A row whose address its channel cannot use is settled, never sent.

``TargetUserRecord.save()`` accepts any address, as 1.5.3 did; ``full_clean()`` refuses an
unusable one where Django validates (the admin, model forms, the API). Rows that got past it
(1.5.3 code, old rows, a bulk import) are stopped here, before any provider call, with the
very rule validation applies (``models.addresses.address_problem``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..models import Notification
from .base import Rule, RuleContext, Settle

logger = logging.getLogger(__name__)

UNUSABLE_REASON = "The target user record's address cannot be used on its channel: {problem}."


class UnusableAddress(Rule):
    """Settles a row whose record's ``target_user_id`` its channel cannot use (an Expo id
    that is not a push token) INACTIVE DEVICE with the reason, and deactivates the record.

    Reads nothing: the address and the target's module name are on the loaded record. Not
    a creation filter (no :meth:`eligible`): the 1.5.3 creators create notifications for
    every active record, and this rule settles them at dispatch.
    """

    name = "unusable address"

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        decided = {}
        for notification in notifications:
            problem = notification.target_user_record.address_problem()
            if problem:
                reason = UNUSABLE_REASON.format(problem=problem)
                decided[notification.pk] = Settle(
                    Notification.INACTIVE_DEVICE, reason, deactivate_record=True
                )
        if decided:
            logger.info(
                "%d rows have an unusable address: settled, records deactivated", len(decided)
            )
        return decided
