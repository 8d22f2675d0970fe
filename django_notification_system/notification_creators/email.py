"""Email creator: schedules email notifications, rendering Django templates at creation."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string

from ..models import Notification
from .base import create_for_user

CHANNEL = "email"
#: Minutes between delivery attempts (1.5.3 default).
DEFAULT_RETRY_TIME_INTERVAL = 1440


def prepare_content(title: str, body: str, extra: dict) -> tuple[str, str]:
    """Body from ``extra["template_name"]`` and title from ``extra["subject_template_name"]``
    when they are not given, rendered now with ``extra`` as context so errors reach the caller.
    """
    if not body:
        template_name = extra.get("template_name")
        if not template_name:
            raise ValueError(
                "An email notification needs a body or extra['template_name'] "
                "(a Django template rendered with extra as its context)."
            )
        body = render_to_string(template_name, dict(extra))
    subject_template_name = extra.get("subject_template_name")
    if not title and subject_template_name:
        # A subject is one line: collapse the template's whitespace and newlines.
        title = " ".join(render_to_string(subject_template_name, dict(extra)).split())
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
    """Schedule an email to each active email record of ``user``; return the created rows.

    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    unless ``quiet``; ``[]`` when the user's preferences turn ``category`` off here.
    With an ``idempotency_key`` a repeated call creates nothing and
    returns the rows the key already names; ``cancel_key`` tags the rows for
    ``cancel_notifications``. ``ValueError`` for invalid input (no body and no template, ...).
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
