"""Render one digest: its title (subject) and body from the category's templates."""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string

from ..models import DigestWindow, Notification
from ..preferences import Category
from .config import DEFAULT_TEMPLATE, DigestConfig

#: Longest title a notification may have.
TITLE_MAX_LENGTH: int = Notification._meta.get_field("title").max_length


def one_line(text: str, limit: int = TITLE_MAX_LENGTH) -> str:
    """``text`` on one line (whitespace runs folded), cut to ``limit`` characters."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def render_digest(
    window: DigestWindow,
    items: Sequence[Notification],
    category: Category | None,
    config: DigestConfig | None,
) -> tuple[str, str]:
    """``(title, body)`` of the digest carrying ``items`` for ``window``.

    Context of both templates: ``items``, ``count``, ``category`` (the
    :class:`~django_notification_system.preferences.Category`, or ``None`` for a category no
    longer declared), ``label`` and ``user``. The title is "N new <label>" unless the
    category's ``subject_template`` gives one; it is folded onto one line.
    """
    label = category.label if category is not None else window.category
    context = {
        "items": list(items),
        "count": len(items),
        "category": category,
        "label": label,
        "user": window.target_user_record.user,
    }
    body = render_to_string(config.template if config else DEFAULT_TEMPLATE, context)
    if config is not None and config.subject_template:
        title = render_to_string(config.subject_template, context)
    else:
        title = f"{len(items)} new {label}"
    return one_line(title) or f"{len(items)} new {label}", body
