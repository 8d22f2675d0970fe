"""Notification categories, declared in ``NOTIFICATION_SYSTEM_CATEGORIES``.

A category is a kind of notification users can choose about ("comments", "news"). Its
options: ``label`` (shown to users), ``defaults`` (channel -> bool; a channel missing from it
is on), ``required`` (channels the user cannot turn off) and ``critical`` (user preferences
are ignored entirely). Channels are named by their target's ``notification_module_name``.
Settings are read at call time, so ``override_settings`` works.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .. import conf
from ..exceptions import NotificationSystemConfigurationError

SETTING = "NOTIFICATION_SYSTEM_CATEGORIES"
#: The wildcard of a preference row: every category, or every channel.
ANY = "*"
#: Longest category key (the size of ``Notification.category``).
MAX_KEY_LENGTH = 64
#: Option keys a category may carry, and what each must be. Capabilities that read further
#: options of a category (digests, throttles) add their keys here and validate them.
CATEGORY_OPTIONS: dict[str, str] = {
    "label": "a string",
    "defaults": "a dict of channel -> bool",
    "required": "a list of channels",
    "critical": "a bool",
    "digest": "a dict (validated by django_notification_system.digests)",
    "throttle": "a dict (validated by django_notification_system.digests)",
}


@dataclass(frozen=True)
class Category:
    """One declared category; ``options`` is its whole settings dict, read-only."""

    key: str
    label: str
    defaults: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    required: frozenset[str] = frozenset()
    critical: bool = False
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def default_for(self, channel: str) -> bool:
        """Whether ``channel`` is on for a user with no preference (missing means on)."""
        return bool(self.defaults.get(channel, True))

    def is_locked(self, channel: str) -> bool:
        """Whether users cannot change ``channel`` here (critical category or required channel)."""
        return self.critical or channel in self.required

    def channels(self) -> set[str]:
        """The channels this category names in ``defaults`` and ``required``."""
        return set(self.defaults) | set(self.required)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``' Did you mean 'x'?'`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _problem(key: str, message: str) -> NotificationSystemConfigurationError:
    return NotificationSystemConfigurationError(f'{SETTING}["{key}"]{message}')


def _parse(key: Any, options: Any) -> Category:
    if not isinstance(key, str) or not key or key == ANY or "/" in key:
        raise NotificationSystemConfigurationError(
            f"{SETTING} keys must be non-empty strings without '/' and other than '*', not {key!r}"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise _problem(key, f" is longer than {MAX_KEY_LENGTH} characters")
    if not isinstance(options, dict):
        raise _problem(key, f" must be a dict, not {type(options).__name__}")
    for option in options:
        if option not in CATEGORY_OPTIONS:
            hint = did_you_mean(str(option), CATEGORY_OPTIONS)
            raise _problem(
                key,
                f" has unknown option {option!r}.{hint} Known options: "
                f"{', '.join(CATEGORY_OPTIONS)}",
            )
    label = options.get("label", key)
    if not isinstance(label, str):
        raise _problem(key, '["label"] must be a string')
    defaults = options.get("defaults", {})
    if not isinstance(defaults, dict) or not all(
        isinstance(c, str) and isinstance(v, bool) for c, v in defaults.items()
    ):
        raise _problem(key, '["defaults"] must be a dict of channel name -> True/False')
    required = options.get("required", [])
    if isinstance(required, str) or not isinstance(required, (list, tuple, set, frozenset)):
        raise _problem(key, '["required"] must be a list of channel names')
    if not all(isinstance(c, str) for c in required):
        raise _problem(key, '["required"] must be a list of channel names')
    critical = options.get("critical", False)
    if not isinstance(critical, bool):
        raise _problem(key, '["critical"] must be True or False')
    for channel in required:
        if defaults.get(channel) is False:
            raise _problem(key, f": channel {channel!r} is required but off in defaults")
    return Category(
        key=key,
        label=label,
        defaults=MappingProxyType(dict(defaults)),
        required=frozenset(required),
        critical=critical,
        options=MappingProxyType(dict(options)),
    )


def categories() -> dict[str, Category]:
    """Every declared category by key, in declaration order; ``{}`` when none are declared.

    Raises ``NotificationSystemConfigurationError`` naming the key of a malformed entry.
    """
    value = conf.get(SETTING)
    if not isinstance(value, dict):
        raise NotificationSystemConfigurationError(
            f"{SETTING} must be a dict of category key -> options, not {type(value).__name__}"
        )
    return {key: _parse(key, options) for key, options in value.items()}


def get_category(key: str) -> Category:
    """The category ``key``; a ``ValueError`` naming the known ones when it is not declared."""
    declared = categories()
    if key in declared:
        return declared[key]
    known = ", ".join(repr(k) for k in declared) or f"none ({SETTING} is empty)"
    hint = did_you_mean(key, declared) if isinstance(key, str) else ""
    raise ValueError(f"Unknown notification category {key!r}.{hint} Known categories: {known}")
