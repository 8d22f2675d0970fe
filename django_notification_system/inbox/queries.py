"""Reading the inbox: the visible notifications of a user, and the badge counts.

A notification is in the inbox once it is due (``scheduled_delivery <= now``), whatever the
dispatcher has done with it yet, unless it was settled as not to be shown (opted out,
failed, cancelled), or a newer notification of its group superseded it (see ``groups``):
a group is one item. The counts read the partial indexes ``dns_inbox_unread_idx`` and
``dns_inbox_unseen_idx``, which hold unread (unseen) items only: their cost follows the
number of unread items, not the length of the user's history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from ..models import Notification, TargetUserRecord

#: The ``notification_module_name`` of the in-app channel.
CHANNEL = "in_app"


def _user_pk(user: Any) -> Any:
    """The user's pk (``None`` for an anonymous user); a bare pk is accepted too."""
    return getattr(user, "pk", user)


def in_app_record(user: Any) -> Subquery:
    """The pk of ``user``'s in-app record, as a scalar subquery (no query of its own).

    A scalar (``= (SELECT ...)``) rather than ``IN (SELECT ...)`` lets PostgreSQL walk one
    record's rows in index order and stop at a page's end. The creator gives each user one
    in-app record; should an admin add more, the first one created is the inbox.
    """
    records = TargetUserRecord.objects.filter(
        user=_user_pk(user), target__notification_module_name=CHANNEL
    ).order_by("created_date", "pk")
    return Subquery(records.values("pk")[:1])


def visible_notifications(user: Any, now: datetime | None = None) -> QuerySet:
    """All of ``user``'s in-app notifications due at ``now``, archived ones and those folded
    into a group's item included (their ids can still be marked)."""
    if _user_pk(user) is None:
        return Notification.objects.none()
    return Notification.objects.filter(
        target_user_record=in_app_record(user),
        status__in=Notification.INBOX_STATUSES,
        scheduled_delivery__lte=now or timezone.now(),
    )


def inbox(user: Any) -> QuerySet:
    """``user``'s visible, not archived in-app notifications, newest first."""
    return (
        visible_notifications(user)
        .filter(archived_at__isnull=True, superseded_at__isnull=True)
        .order_by("-scheduled_delivery", "-pk")
    )


def _check_limit(limit: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, not {limit!r}")


def _count(notifications: QuerySet, limit: int | None) -> int:
    _check_limit(limit)
    if limit is None:
        return notifications.count()
    return notifications[:limit].count()  # COUNT over a LIMIT: stops after ``limit`` rows


def _unread(user: Any, now: datetime | None = None) -> QuerySet:
    return visible_notifications(user, now).filter(
        read_at__isnull=True, archived_at__isnull=True, superseded_at__isnull=True
    )


def _unseen(user: Any, now: datetime | None = None) -> QuerySet:
    return visible_notifications(user, now).filter(
        seen_at__isnull=True, archived_at__isnull=True, superseded_at__isnull=True
    )


def unread_count(user: Any, limit: int | None = None) -> int:
    """How many of ``user``'s inbox items are unread (one query).

    ``limit`` caps the count (a badge showing "99+" needs ``limit=100``), so even a user
    with 100,000 unread items costs no more than ``limit`` index entries. A group counts once.
    """
    return _count(_unread(user), limit)


def unseen_count(user: Any, limit: int | None = None) -> int:
    """How many of ``user``'s inbox items were never seen (one query; ``limit`` as above)."""
    return _count(_unseen(user), limit)


def counts(user: Any, limit: int | None = None) -> dict[str, int]:
    """``{"unread": n, "unseen": m}`` in one query: the two counts above as subqueries."""
    _check_limit(limit)
    if _user_pk(user) is None:
        return {"unread": 0, "unseen": 0}
    db = router.db_for_read(Notification)
    now = timezone.now()
    selects, params = [], []
    for notifications in (_unread(user, now), _unseen(user, now)):
        notifications = notifications.using(db).order_by().values("pk")
        if limit is not None:
            notifications = notifications[:limit]
        sql, sql_params = notifications.query.get_compiler(using=db).as_sql()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) counted)")
        params.extend(sql_params)
    with connections[db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        unread, unseen = cursor.fetchone()
    return {"unread": unread, "unseen": unseen}
