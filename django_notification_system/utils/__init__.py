"""Deprecated: the helpers 1.5.3's custom creators and handlers imported from here.

They keep their 1.5.3 names and signatures and work on the current models, and each
call emits a ``DeprecationWarning`` naming what replaces it:

* ``check_for_user_opt_out`` / ``user_notification_targets``: the creators
  (``notification_creators.<channel>.create_notification`` or
  ``notification_creators.base.create_notifications``) check opt-outs and find records.
* ``check_and_update_retry_attempts``: a handler returns
  ``notification_handlers.base.Retry(error)`` from ``send_batch`` and the dispatcher
  schedules the retry (or the failure) with the configured policy.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ..exceptions import UserIsOptedOut
from ..models import Notification, NotificationOptOut, TargetUserRecord

__all__ = [
    "check_and_update_retry_attempts",
    "check_for_user_opt_out",
    "user_notification_targets",
]


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"django_notification_system.utils.{name} is deprecated (kept for 1.5.3 code); "
        f"use {replacement}.",
        DeprecationWarning,
        stacklevel=3,
    )


def check_for_user_opt_out(user) -> None:
    """Raise ``UserIsOptedOut`` if ``user`` has an active opt-out (1.5.3 helper)."""
    _deprecated(
        "check_for_user_opt_out",
        "notification_creators.<channel>.create_notification, which raises UserIsOptedOut",
    )
    if NotificationOptOut.objects.filter(user_id=user.pk, active=True).exists():
        raise UserIsOptedOut()


def user_notification_targets(user, target_name: str) -> QuerySet[TargetUserRecord]:
    """The active target user records of ``user`` on the target named ``target_name``."""
    _deprecated(
        "user_notification_targets",
        "TargetUserRecord.objects.filter(user=..., target__name=..., active=True)",
    )
    return TargetUserRecord.objects.filter(user=user, target__name=target_name, active=True)


def check_and_update_retry_attempts(
    notification: Notification, minute_interval: int | None = None
) -> None:
    """Count a failed attempt and save: RETRY after ``minute_interval`` minutes (default:
    the notification's ``retry_time_interval``), or DELIVERY FAILURE once ``max_retries``
    attempts have failed.

    As in 1.5.3, for ``send_notification`` handlers, with one fix: a notification already at
    (or past) ``max_retries`` becomes DELIVERY FAILURE instead of being left unchanged.
    """
    _deprecated(
        "check_and_update_retry_attempts",
        "a send_batch handler returning notification_handlers.base.Retry(error)",
    )
    now = timezone.now()
    if notification.retry_attempts < notification.max_retries:
        notification.retry_attempts += 1
    if notification.retry_attempts < notification.max_retries:
        if minute_interval is None:
            minute_interval = notification.retry_time_interval
        notification.status = Notification.RETRY
        notification.scheduled_delivery = now + timedelta(minutes=minute_interval)
    else:
        notification.status = Notification.DELIVERY_FAILURE
    notification.attempted_delivery = now
    notification.save()
