"""Parsing helpers shared by a category's ``digest`` and ``throttle`` options.

Each error names the exact key, e.g. ``NOTIFICATION_SYSTEM_CATEGORIES["comments"]["digest"]
["channels"] must be ...``, so that ``manage.py check`` points at what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exceptions import NotificationSystemConfigurationError

SETTING = "NOTIFICATION_SYSTEM_CATEGORIES"


def option_problem(key: str, option: str, message: str) -> NotificationSystemConfigurationError:
    """An error about ``NOTIFICATION_SYSTEM_CATEGORIES[key][option]`` followed by ``message``."""
    return NotificationSystemConfigurationError(f'{SETTING}["{key}"]["{option}"]{message}')


def option_dict(key: str, option: str, options: Any, known: Sequence[str]) -> dict:
    """``options`` checked to be a dict with only ``known`` keys; an error naming the key."""
    if not isinstance(options, dict):
        raise option_problem(key, option, f" must be a dict, not {type(options).__name__}")
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise option_problem(
            key, option, f" has unknown option {unknown[0]!r}; known options: {', '.join(known)}"
        )
    return options


def channel_names(key: str, option: str, options: dict) -> frozenset[str]:
    """The option's required ``channels``: a non-empty list of channel names."""
    channels = options.get("channels")
    if (
        isinstance(channels, str)
        or not isinstance(channels, (list, tuple, set, frozenset))
        or not channels
        or not all(isinstance(c, str) and c for c in channels)
    ):
        wanted = "a non-empty list of channel names"
        raise option_problem(key, option, f'["channels"] must be {wanted}, not {channels!r}')
    return frozenset(channels)
