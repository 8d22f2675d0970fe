"""The ``digest`` option of a category in ``NOTIFICATION_SYSTEM_CATEGORIES``, parsed and checked.

::

    "comments": {
        "digest": {"channels": ["email"], "window": 3600, "max_items": 50,
                   "template": "myapp/comments_digest.html"},
    }

``channels`` (required): the channels (``notification_module_name``) whose notifications of
the category are held for a digest. ``window`` (seconds, default 3600): how long after the
first held item the digest goes out. ``max_items`` (default 50): a window holding that many
items goes out at once, and a digest carries at most that many. ``template`` (default
``django_notification_system/digest.html``) renders the body; ``subject_template`` (optional)
renders the title, else "N new <label>".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..exceptions import NotificationSystemConfigurationError
from ..preferences import Category, categories
from .options import SETTING, channel_names, option_dict, option_problem

__all__ = ["SETTING", "DigestConfig", "digest_configs", "parse_digest"]
DEFAULT_TEMPLATE = "django_notification_system/digest.html"
DEFAULT_WINDOW = 3600
DEFAULT_MAX_ITEMS = 50
#: The keys a ``digest`` option may carry.
DIGEST_KEYS = ("channels", "window", "max_items", "template", "subject_template")


@dataclass(frozen=True)
class DigestConfig:
    """How one category's notifications are gathered into digests."""

    category: Category
    channels: frozenset[str]
    window: int = DEFAULT_WINDOW
    max_items: int = DEFAULT_MAX_ITEMS
    template: str = DEFAULT_TEMPLATE
    subject_template: str | None = None


def _problem(key: str, message: str) -> NotificationSystemConfigurationError:
    return option_problem(key, "digest", message)


def _positive(key: str, options: dict, name: str, default: int) -> int:
    value = options.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < 0
        or (name == "max_items" and value < 1)
    ):
        least = "a positive" if name == "max_items" else "a non-negative"
        raise _problem(key, f'["{name}"] must be {least} integer, not {value!r}')
    return value


def _template_name(key: str, options: dict, name: str, default: str | None) -> str | None:
    value = options.get(name, default)
    if value is not None and (not isinstance(value, str) or not value):
        raise _problem(key, f'["{name}"] must be a template name, not {value!r}')
    return value


def parse_digest(category: Category) -> DigestConfig | None:
    """The category's digest settings, ``None`` when it has none; an error naming the key."""
    options: Any = category.options.get("digest")
    if options is None:
        return None
    key = category.key
    option_dict(key, "digest", options, DIGEST_KEYS)
    return DigestConfig(
        category=category,
        channels=channel_names(key, "digest", options),
        window=_positive(key, options, "window", DEFAULT_WINDOW),
        max_items=_positive(key, options, "max_items", DEFAULT_MAX_ITEMS),
        template=_template_name(key, options, "template", DEFAULT_TEMPLATE),
        subject_template=_template_name(key, options, "subject_template", None),
    )


def digest_configs() -> dict[str, DigestConfig]:
    """Category key -> digest settings, for the categories that have a ``digest`` option.

    Critical categories are left out: their notifications are never held.
    """
    found = {}
    for key, category in categories().items():
        config = parse_digest(category)
        if config is not None and not category.critical:
            found[key] = config
    return found
