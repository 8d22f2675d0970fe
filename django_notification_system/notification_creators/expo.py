"""Expo creator: schedules push notifications; ``extra`` carries Expo push options."""

from __future__ import annotations

from datetime import datetime

from ..models import Notification
from .base import create_for_user

CHANNEL = "expo"
#: Minutes between delivery attempts (1.5.3 default).
DEFAULT_RETRY_TIME_INTERVAL = 60
#: The fields of ``exponent_server_sdk.PushMessage`` that ``extra`` may set.
PUSH_OPTIONS = frozenset(
    {
        "data",
        "sound",
        "ttl",
        "expiration",
        "priority",
        "badge",
        "category",
        "display_in_foreground",
        "channel_id",
        "subtitle",
        "mutable_content",
    }
)
#: PushMessage fields that come from the notification itself, not from ``extra``.
SET_BY_NOTIFICATION = {"to": "the target user record", "title": "title", "body": "body"}


def prepare_content(title: str, body: str, extra: dict) -> tuple[str, str]:
    """Reject ``extra`` keys that are not Expo push options, naming them."""
    reserved = sorted(set(extra) & set(SET_BY_NOTIFICATION))
    if reserved:
        raise ValueError(
            f"extra must not set {reserved}: they come from "
            + ", ".join(SET_BY_NOTIFICATION[key] for key in reserved)
        )
    unknown = sorted(set(extra) - PUSH_OPTIONS)
    if unknown:
        raise ValueError(
            f"Unknown Expo push options in extra: {unknown}; allowed: {sorted(PUSH_OPTIONS)}"
        )
    return title, body


def create_notification(
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    retry_time_interval: int = DEFAULT_RETRY_TIME_INTERVAL,
    max_retries: int = 3,
    quiet: bool = False,
    extra: dict | None = None,
    idempotency_key: str | None = None,
    cancel_key: str | None = None,
    category: str | None = None,
) -> list[Notification]:
    """Schedule a push to each active Expo record of ``user``; return the created rows.

    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    unless ``quiet``; ``[]`` when the user's preferences turn ``category`` off here.
    With an ``idempotency_key`` a repeated call creates nothing and
    returns the rows the key already names; ``cancel_key`` tags the rows for
    ``cancel_notifications``. ``ValueError`` for invalid input (unknown push options, ...).
    """
    return create_for_user(
        CHANNEL,
        user,
        title,
        body,
        scheduled_delivery,
        retry_time_interval,
        max_retries,
        quiet,
        extra,
        idempotency_key=idempotency_key,
        cancel_key=cancel_key,
        category=category,
    )
