"""Twilio creator: schedules SMS notifications."""

from __future__ import annotations

from datetime import datetime

from ..models import Notification
from .base import create_for_user

CHANNEL = "twilio"
#: Minutes between delivery attempts (1.5.3 default).
DEFAULT_RETRY_TIME_INTERVAL = 1440
#: Twilio rejects message bodies longer than this.
MAX_BODY_LENGTH = 1600


def prepare_content(title: str, body: str, extra: dict) -> tuple[str, str]:
    """Reject a body Twilio would refuse, now rather than in the cron job."""
    if body and len(body) > MAX_BODY_LENGTH:
        raise ValueError(
            f"A Twilio SMS body is at most {MAX_BODY_LENGTH} characters; this one has {len(body)}."
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
    """Schedule an SMS to each active Twilio record of ``user``; return the created rows.

    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    unless ``quiet``; ``[]`` when the user's preferences turn ``category`` off here.
    With an ``idempotency_key`` a repeated call creates nothing and
    returns the rows the key already names; ``cancel_key`` tags the rows for
    ``cancel_notifications``. ``ValueError`` for invalid input (a body over 1600 characters, ...).
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
