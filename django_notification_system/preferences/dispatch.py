"""The dispatch-time re-check: preferences may have changed since a notification was created.

:func:`disabled_by_preference` is what the dispatcher's split step calls for each claimed
batch; rows it names are settled OPTED OUT with the reason as ``last_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .categories import categories
from .resolution import explain_many

logger = logging.getLogger(__name__)


def disabled_by_preference(notifications: Sequence) -> dict:
    """``{notification pk: explain reason}`` for the rows whose user has turned their
    (category, channel) off; one query per batch, none when no row has a category.

    Rows of a category no longer declared are sent (and logged): the category's settings,
    which alone give preferences a meaning, are gone. The 1.5.3 opt-out is not looked at
    here: the dispatcher settles opted-out rows itself.
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
