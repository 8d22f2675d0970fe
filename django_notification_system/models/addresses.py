"""What a valid address looks like on the built-in channels that have a strict format.

Kept with the models so that validation (``TargetUserRecord.clean()``, run by
``full_clean()``), the ``UnusableAddress`` delivery rule at dispatch and the handler that
sends (``notification_handlers.expo``) apply the very same rule. ``save()`` does not: 1.5.3
accepted any address, and so does this package.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import urlsplit

#: ``ExponentPushToken[...]`` (or the newer ``ExpoPushToken[...]``): a non-empty id of
#: letters, digits, ``-`` and ``_`` between the brackets, and nothing around it.
EXPO_PUSH_TOKEN = re.compile(r"(?:Exponent|Expo)PushToken\[[A-Za-z0-9_-]+\]")


def is_expo_push_token(token: object) -> bool:
    """True if ``token`` is an Expo push token and nothing else."""
    return isinstance(token, str) and EXPO_PUSH_TOKEN.fullmatch(token) is not None


#: The longest stored subscription: it must fit ``target_user_id`` and a PostgreSQL index row.
MAX_SUBSCRIPTION_LENGTH = 2048
#: Plain ``http`` endpoints are accepted only on these hosts (a development push service).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def _b64url_bytes(value: object) -> bytes | None:
    if not isinstance(value, str) or not value.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def subscription_problem(value: object) -> str | None:
    """Why ``value`` is not a browser ``PushSubscription`` as JSON; ``None`` if it is.

    Expected: ``{"endpoint": "https://...", "keys": {"p256dh": ..., "auth": ...}}`` with an
    uncompressed P-256 public key (65 bytes) and a 16-byte auth secret, base64url-encoded.
    Pure: it never reveals the value itself, so the message is safe to log and to show.
    """
    if not isinstance(value, str):
        return "a push subscription must be JSON text"
    if len(value) > MAX_SUBSCRIPTION_LENGTH:
        return f"a push subscription is at most {MAX_SUBSCRIPTION_LENGTH} characters"
    try:
        data = json.loads(value)
    except ValueError:
        return "not a push subscription: not valid JSON"
    if not isinstance(data, dict):
        return "not a push subscription: expected a JSON object"
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not endpoint.isascii():
        return "the push subscription has no endpoint URL"
    url = urlsplit(endpoint)
    secure = url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS)
    if not (secure and url.hostname):
        return "the push subscription's endpoint must be an https URL"
    if not isinstance(keys, dict):
        return "the push subscription has no keys (p256dh and auth)"
    p256dh = _b64url_bytes(keys.get("p256dh"))
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4:
        return "keys.p256dh must be an uncompressed P-256 public key, base64url-encoded"
    auth = _b64url_bytes(keys.get("auth"))
    if auth is None or len(auth) != 16:
        return "keys.auth must be a 16-byte secret, base64url-encoded"
    return None


def address_problem(module_name: str, address: object) -> str | None:
    """Why ``address`` cannot be used on the channel ``module_name``; ``None`` if it can."""
    if module_name == "expo" and not is_expo_push_token(address):
        return "not an Expo push token: expected ExponentPushToken[...] and nothing else"
    if module_name == "webpush":
        return subscription_problem(address)
    return None
