"""Pigeon Post: a worked example of a custom channel's creator (see docs/extending.rst).

``create_notification`` keeps the signature every creator documents, so application
code schedules a pigeon exactly as it schedules an email.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from django_notification_system.exceptions import (
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from django_notification_system.models import Notification, NotificationOptOut, TargetUserRecord

#: The ``notification_module_name`` of the Pigeon Post ``NotificationTarget``.
MODULE_NAME = "pigeon_post"


def create_notification(
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    retry_time_interval: int = 60,
    max_retries: int = 3,
    quiet: bool = False,
    extra: dict | None = None,
) -> list[Notification]:
    """Schedule one notification per active Pigeon Post record of ``user``.

    Returns the notifications created; an identical pending one is not duplicated.
    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    (all of them silenced, returning ``[]``, when ``quiet``).
    """
    try:
        return _create(
            user, title, body, scheduled_delivery, retry_time_interval, max_retries, extra
        )
    except (UserIsOptedOut, UserHasNoTargetRecords, NotificationsNotCreated):
        if quiet:
            return []
        raise


def _create(user, title, body, scheduled_delivery, retry_time_interval, max_retries, extra):
    if NotificationOptOut.objects.filter(user=user, active=True).exists():
        raise UserIsOptedOut()
    records = list(
        TargetUserRecord.objects.filter(
            user=user, target__notification_module_name=MODULE_NAME, active=True
        )
    )
    if not records:
        raise UserHasNoTargetRecords()
    when = scheduled_delivery or timezone.now()
    created = []
    for record in records:  # a user has one or two lofts, not thousands
        notification, is_new = Notification.objects.get_or_create(
            target_user_record=record,
            title=title,
            scheduled_delivery=when,
            extra=extra or {},
            defaults={
                "body": body,
                "retry_time_interval": retry_time_interval,
                "max_retries": max_retries,
            },
        )
        if is_new:
            created.append(notification)
    if not created:
        raise NotificationsNotCreated()
    return created
