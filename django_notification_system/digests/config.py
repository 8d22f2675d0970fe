"""The ``digest`` option of a category in ``NOTIFICATION_SYSTEM_CATEGORIES``.

Parsed and checked with the other settings in
:mod:`django_notification_system.conf.category_options`; this module keeps the import path.
"""

from ..conf.categories import digest_configs
from ..conf.category import SETTING
from ..conf.category_options import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_TEMPLATE,
    DEFAULT_WINDOW,
    DIGEST_KEYS,
    DigestConfig,
    parse_digest,
)

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_TEMPLATE",
    "DEFAULT_WINDOW",
    "DIGEST_KEYS",
    "SETTING",
    "DigestConfig",
    "digest_configs",
    "parse_digest",
]
