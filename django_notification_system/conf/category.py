"""A notification category as declared in ``NOTIFICATION_SYSTEM_CATEGORIES``.

A category is a kind of notification users can choose about ("comments", "news"). Its
options: ``label`` (shown to users), ``defaults`` (channel -> bool; a channel missing from it
is on), ``required`` (channels the user cannot turn off), ``critical`` (user preferences,
frequencies, digests and throttles are ignored entirely), ``digest`` and ``throttle`` (see
:mod:`.category_options`). Channels are named by their target's ``notification_module_name``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

SETTING = "NOTIFICATION_SYSTEM_CATEGORIES"
#: The wildcard of a preference row: every category, or every channel.
ANY = "*"
#: Longest category key (the size of ``Notification.category``).
MAX_KEY_LENGTH = 64
#: Option keys a category may carry, and what each must be.
CATEGORY_OPTIONS: dict[str, str] = {
    "label": "a string",
    "defaults": "a dict of channel -> bool",
    "required": "a list of channels",
    "critical": "a bool",
    "digest": "a dict (see docs/digests.rst)",
    "throttle": "a dict (see docs/digests.rst)",
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
