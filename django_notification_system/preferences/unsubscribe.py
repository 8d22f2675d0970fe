"""One-click unsubscribe (RFC 8058): signed links in email headers, no login needed.

A categorised email carries ``List-Unsubscribe: <https://site/.../unsubscribe/<token>/>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. The token is signed with the project's
``SECRET_KEY`` and a salt of its own (``django.core.signing``): it names the user, the category
and the channel, so it can turn off exactly that and nothing else. Required channels and
critical categories get no header: the user cannot turn them off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core import signing
from django.urls import NoReverseMatch, reverse

from .. import conf
from .categories import categories

logger = logging.getLogger(__name__)

SALT = "django_notification_system.preferences.unsubscribe"
URL_NAME = "django_notification_system:unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a valid token names: the user's pk (as text), a category and a channel."""

    user_pk: str
    category: str
    channel: str


def make_token(user_pk, category: str, channel: str) -> str:
    """A URL-safe signed token naming (user, category, channel)."""
    return signing.dumps([str(user_pk), category, channel], salt=SALT, compress=True)


def read_token(token: str) -> UnsubscribeRequest:
    """The request a token names; ``signing.BadSignature`` for anything tampered or foreign."""
    value = signing.loads(token, salt=SALT)
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(part, str) for part in value)
    ):
        raise signing.BadSignature("malformed unsubscribe token")
    return UnsubscribeRequest(*value)


def unsubscribe_url(user_pk, category: str, channel: str) -> str:
    """The absolute one-click URL, or ``""`` when it cannot be built (base URL or URLs missing)."""
    base = conf.public_base_url()
    if not base:
        return ""
    try:
        path = reverse(URL_NAME, kwargs={"token": make_token(user_pk, category, channel)})
    except NoReverseMatch:
        logger.warning(
            "no List-Unsubscribe header: include django_notification_system.urls in the "
            "project's URLconf"
        )
        return ""
    return f"{base}{path}"


def unsubscribe_headers(notification, channel: str = "email") -> dict[str, str]:
    """The RFC 8058 headers for ``notification``; ``{}`` without a category, for a locked
    (required or critical) one, or when ``NOTIFICATION_SYSTEM_PUBLIC_BASE_URL`` is not set.

    Reads only what the dispatcher has loaded (the record's ``user_id``): no query.
    """
    key = getattr(notification, "category", "")
    if not key:
        return {}
    category = categories().get(key)
    if category is None or category.is_locked(channel):
        return {}
    url = unsubscribe_url(notification.target_user_record.user_id, key, channel)
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}
