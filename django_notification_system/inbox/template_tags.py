"""Template tags for the inbox, loaded with ``{% load notification_inbox %}``.

``{% unread_count as n %}`` gives the current user's unread count (``{% unread_count user
as n %}`` for another user object); ``{% inbox_list %}`` renders the newest items as a small
list (``limit=5`` by default), a group's item with its count and latest actors. Nothing is
cached, so no user ever sees another's figures.
"""

from __future__ import annotations

from typing import Any

from django import template

from . import queries

register = template.Library()

DEFAULT_LIST_LIMIT = 5


def _current_user(context: template.Context, user: Any) -> Any:
    if user is not None:
        return user
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context, user: Any = None) -> int:
    """The unread count of ``user`` (default: the request's user; 0 when anonymous)."""
    return queries.unread_count(_current_user(context, user))


@register.simple_tag(takes_context=True)
def unseen_count(context: template.Context, user: Any = None) -> int:
    """The unseen count of ``user`` (default: the request's user; 0 when anonymous)."""
    return queries.unseen_count(_current_user(context, user))


@register.inclusion_tag("django_notification_system/inbox/list.html", takes_context=True)
def inbox_list(
    context: template.Context, limit: int = DEFAULT_LIST_LIMIT, user: Any = None
) -> dict:
    """The newest ``limit`` inbox items of ``user`` (default: the request's user)."""
    notifications = queries.inbox(_current_user(context, user)).only(
        "pk", "title", "body", "url", "scheduled_delivery", "read_at", "group_count", "actors"
    )
    return {"notifications": list(notifications[: int(limit)])}
