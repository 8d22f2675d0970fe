"""Email handler: sends through Django's configured EMAIL_BACKEND, one connection per batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import strip_tags

from .. import conf
from .base import Delivered, Outcome, Retry

logger = logging.getLogger(__name__)


def from_email() -> str:
    """``NOTIFICATION_SYSTEM_TARGETS["email"]["from_email"]``, else ``DEFAULT_FROM_EMAIL``."""
    return conf.target_option("email", "from_email", default=settings.DEFAULT_FROM_EMAIL)


def build_message(notification, sender: str, connection) -> EmailMultiAlternatives:
    """Subject = title, HTML body = body, with a plain-text alternative derived from it."""
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=strip_tags(notification.body),
        from_email=sender,
        to=[notification.target_user_record.target_user_id],
        connection=connection,
    )
    message.attach_alternative(notification.body, "text/html")
    return message


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send every notification over one backend connection; one outcome each."""
    sender = from_email()
    outcomes: list[Outcome] = []
    with get_connection(fail_silently=False) as connection:
        for notification in notifications:
            try:
                build_message(notification, sender, connection).send()
            except Exception as exc:
                logger.warning("email %s not sent: %s", notification.pk, type(exc).__name__)
                outcomes.append(Retry(error=f"{type(exc).__name__}: {exc}"))
            else:
                outcomes.append(Delivered())
    return outcomes
