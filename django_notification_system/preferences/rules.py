"""The preferences delivery rule: a (category, channel) the user turned off is not sent.

Preferences may have changed since a notification was created, so the dispatcher asks
again for each claimed batch (and the digest flush for each held item): rows whose user has
turned their (category, channel) off are settled OPTED OUT with the :func:`explain` reason.
Creation asks the same rule in SQL (:meth:`PreferenceTurnedOff.eligible`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..models import Notification
from ..rules.base import Rule, RuleContext, Scope, Settle
from .categories import categories
from .resolution import enabled_expression, explain_many

logger = logging.getLogger(__name__)


def disabled_by_preference(notifications: Sequence) -> dict:
    """``{notification pk: explain reason}`` for the rows whose user has turned their
    (category, channel) off; one query per batch, none when no row has a category.

    Rows of a category no longer declared are sent (and logged): the category's settings,
    which alone give preferences a meaning, are gone. The 1.5.3 opt-out is not looked at
    here: it is a rule of its own (:class:`~django_notification_system.rules.opt_out.OptOut`).
    """
    with_category = [n for n in notifications if n.category]
    if not with_category:
        return {}
    declared = categories()
    keys: dict = {}
    undeclared = 0
    for notification in with_category:
        category = declared.get(notification.category)
        if category is None:
            undeclared += 1
            continue
        record = notification.target_user_record
        channel = record.target.notification_module_name
        if not category.is_locked(channel):
            keys[notification.pk] = (record.user_id, notification.category, channel)
    if undeclared:
        logger.warning(
            "%d notifications have a category not in NOTIFICATION_SYSTEM_CATEGORIES; "
            "sent without a preference check",
            undeclared,
        )
    explained = explain_many(set(keys.values()), opted_out=())
    return {pk: explained[key].reason for pk, key in keys.items() if not explained[key].enabled}


class PreferenceTurnedOff(Rule):
    """Settle OPTED OUT the rows whose user turned their (category, channel) off."""

    name = "preferences"
    skip_reason = "preference"
    checked_at_flush = True

    def decide(self, notifications: Sequence, context: RuleContext) -> dict:
        return {
            pk: Settle(Notification.OPTED_OUT, reason)
            for pk, reason in disabled_by_preference(notifications).items()
        }

    def eligible(self, scope: Scope):
        if scope.category is None:
            return None
        return enabled_expression(scope.category, scope.channel, user_ref=scope.user_ref)
