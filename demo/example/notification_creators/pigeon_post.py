"""Pigeon Post: a worked example of a custom channel's creator (see docs/extending.rst).

``create_notification`` keeps the signature every creator documents, so application
code schedules a pigeon exactly as it schedules an email. The work is the generic core's:
opt-out and record checks, de-duplication, the 1.5.3 exceptions and ``quiet``.
"""

from __future__ import annotations

from datetime import datetime

from django_notification_system.models import Notification
from django_notification_system.notification_creators.base import create_for_user

#: The ``notification_module_name`` of the Pigeon Post ``NotificationTarget``.
MODULE_NAME = "pigeon_post"
#: Minutes between attempts when the caller does not say (the core reads this name too).
DEFAULT_RETRY_TIME_INTERVAL = 60


def create_notification(
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    retry_time_interval: int = DEFAULT_RETRY_TIME_INTERVAL,
    max_retries: int = 3,
    quiet: bool = False,
    extra: dict | None = None,
) -> list[Notification]:
    """Schedule one notification per active Pigeon Post record of ``user``.

    Returns the notifications created; an identical pending one is not duplicated.
    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    (all of them silenced, returning ``[]``, when ``quiet``).
    """
    return create_for_user(
        MODULE_NAME,
        user,
        title,
        body,
        scheduled_delivery,
        retry_time_interval,
        max_retries,
        quiet,
        extra,
    )
