"""What a valid address looks like on the built-in channels that have a strict format.

Kept with the models so that validation (``TargetUserRecord.clean()``, run by
``full_clean()``), the ``UnusableAddress`` delivery rule at dispatch and the handler that
sends (``notification_handlers.expo``) apply the very same rule. ``save()`` does not: 1.5.3
accepted any address, and so does this package.
"""

from __future__ import annotations

import re

#: ``ExponentPushToken[...]`` (or the newer ``ExpoPushToken[...]``): a non-empty id of
#: letters, digits, ``-`` and ``_`` between the brackets, and nothing around it.
EXPO_PUSH_TOKEN = re.compile(r"(?:Exponent|Expo)PushToken\[[A-Za-z0-9_-]+\]")


def is_expo_push_token(token: object) -> bool:
    """True if ``token`` is an Expo push token and nothing else."""
    return isinstance(token, str) and EXPO_PUSH_TOKEN.fullmatch(token) is not None


def address_problem(module_name: str, address: object) -> str | None:
    """Why ``address`` cannot be used on the channel ``module_name``; ``None`` if it can."""
    if module_name == "expo" and not is_expo_push_token(address):
        return "not an Expo push token: expected ExponentPushToken[...] and nothing else"
    return None
