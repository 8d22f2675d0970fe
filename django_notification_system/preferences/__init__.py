"""Categories and preferences: users choose which kinds of notification reach them, where.

Public API (see docs/preferences.rst): :func:`set_preference`, :func:`is_enabled`,
:func:`explain`, :func:`preferences_for`, plus :func:`categories`, :func:`get_category` and
:func:`explain_many` (bulk resolution for other capabilities: dispatch, digests).
"""

from .api import (
    CategoryRow,
    Cell,
    PreferenceMatrix,
    explain,
    is_enabled,
    preferences_for,
    set_preference,
    site_channels,
)
from .categories import ANY, Category, categories, get_category
from .resolution import Explanation, explain_many

__all__ = [
    "ANY",
    "Category",
    "CategoryRow",
    "Cell",
    "Explanation",
    "PreferenceMatrix",
    "categories",
    "explain",
    "explain_many",
    "get_category",
    "is_enabled",
    "preferences_for",
    "set_preference",
    "site_channels",
]
