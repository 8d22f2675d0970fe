"""Digests: many notifications of one kind become one message, exactly once.

A category's ``digest`` option (``NOTIFICATION_SYSTEM_CATEGORIES``) names channels whose
notifications of that category are held (status ``HELD``) in a window per (address, category)
instead of being sent alone. ``process_notifications`` flushes the closed windows: one digest
notification per window, rendered from the category's templates, sent like any other; its
items end with its final status and point to it (``Notification.digest``). See
docs/digests.rst for the guarantees. A category's ``throttle`` option limits how many of its
notifications reach a user per period on a channel (see :mod:`.throttle`).
"""

from .config import DigestConfig, digest_configs, parse_digest
from .flush import FlushSummary, flush_due_digests
from .hold import HELD_FOR_DIGEST
from .rules import DigestHold, Throttle
from .settle import settle_carried_items
from .throttle import ThrottleConfig, parse_throttle, throttle_configs

__all__ = [
    "HELD_FOR_DIGEST",
    "DigestConfig",
    "DigestHold",
    "FlushSummary",
    "Throttle",
    "ThrottleConfig",
    "digest_configs",
    "flush_due_digests",
    "parse_digest",
    "parse_throttle",
    "settle_carried_items",
    "throttle_configs",
]
