"""Changing read state: one ``UPDATE`` per call, scoped to the given user's inbox.

Functions that take ``ids`` return how many of those ids are the user's visible in-app
notifications (ids of other users' notifications simply do not count). Reading an item
also marks it seen; the first read, seen and archive dates are kept when marked again.
Reading a group's item (see ``groups``) also reads the unread notifications folded into it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..preferences import get_category
from .groups import with_folded
from .queries import visible_notifications


def _as_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a notification id (a UUID)") from None


def _ids(ids: Any) -> list[uuid.UUID]:
    """``ids`` as a list of UUIDs; a single id is accepted as well as an iterable."""
    if isinstance(ids, (str, uuid.UUID)):
        ids = [ids]
    if not isinstance(ids, Iterable):
        raise ValueError(f"ids must be a notification id or an iterable of them, not {ids!r}")
    return [_as_uuid(value) for value in ids]


def _keep_first(field: str, now: datetime) -> Coalesce:
    return Coalesce(F(field), Value(now))


def mark_read(user: Any, ids: Any) -> int:
    """Mark the user's notifications among ``ids`` read (and seen), and the unread ones
    folded into those that are group items: the count includes those."""
    now = timezone.now()
    return with_folded(visible_notifications(user, now), _ids(ids)).update(
        read_at=_keep_first("read_at", now), seen_at=_keep_first("seen_at", now)
    )


def mark_unread(user: Any, ids: Any) -> int:
    """Mark the user's notifications among ``ids`` unread again (they stay seen)."""
    return visible_notifications(user).filter(pk__in=_ids(ids)).update(read_at=None)


def mark_seen(user: Any, ids: Any = None) -> int:
    """Mark the user's notifications among ``ids`` seen; ``None`` means every unseen one."""
    now = timezone.now()
    notifications = visible_notifications(user, now)
    if ids is None:
        return notifications.filter(seen_at__isnull=True, archived_at__isnull=True).update(
            seen_at=now
        )
    return notifications.filter(pk__in=_ids(ids)).update(seen_at=_keep_first("seen_at", now))


def archive(user: Any, ids: Any) -> int:
    """Take the user's notifications among ``ids`` out of the inbox (they stay stored)."""
    now = timezone.now()
    return (
        visible_notifications(user, now)
        .filter(pk__in=_ids(ids))
        .update(archived_at=_keep_first("archived_at", now))
    )


def mark_all_read(user: Any, before: datetime | Any = None, category: str | None = None) -> int:
    """Mark every unread item of the user's inbox read; return how many changed.

    ``before`` bounds it to items that appeared no later than a datetime or than a
    notification (its id): pass the newest item the user was shown, and items that arrived
    while the list was open stay unread. An id that is not the user's matches nothing.
    ``category`` (a declared key, ``ValueError`` otherwise) bounds it to that category's
    items, for a list filtered by category.
    """
    now = timezone.now()
    notifications = visible_notifications(user, now)
    unread = notifications.filter(read_at__isnull=True, archived_at__isnull=True)
    if category not in (None, ""):
        unread = unread.filter(category=get_category(category).key)
    if isinstance(before, datetime):
        unread = unread.filter(scheduled_delivery__lte=before)
    elif before is not None:
        anchor = notifications.filter(pk=_as_uuid(before)).values("scheduled_delivery")[:1]
        unread = unread.filter(scheduled_delivery__lte=Subquery(anchor))
    return unread.update(read_at=now, seen_at=_keep_first("seen_at", now))
