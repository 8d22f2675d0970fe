"""Notification categories, declared in ``NOTIFICATION_SYSTEM_CATEGORIES``.

Parsed and checked in :mod:`django_notification_system.conf.categories`, below every
capability; this module keeps the documented import path.
"""

from ..conf.categories import categories, critical_categories, get_category
from ..conf.category import ANY, CATEGORY_OPTIONS, MAX_KEY_LENGTH, SETTING, Category

__all__ = [
    "ANY",
    "CATEGORY_OPTIONS",
    "MAX_KEY_LENGTH",
    "SETTING",
    "Category",
    "categories",
    "critical_categories",
    "get_category",
]
