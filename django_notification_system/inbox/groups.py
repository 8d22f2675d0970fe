"""In-app grouping: unread notifications with the same ``group_key`` show as one inbox item.

The newest unread notification of a (user, group) is the group's item. When a new one is
created, the item it replaces is *superseded* (``superseded_at`` set: it leaves the inbox
and the counts but stays stored), and the new row carries the group's ``group_count`` and
latest distinct ``actors``. Reading the item reads the notifications folded into it.

Creation runs, per batch of users and inside one transaction: a lock on the group key
(PostgreSQL: an advisory lock; SQLite: the first statement is a write, which takes the
database's write lock), one ``UPDATE ... RETURNING`` that supersedes the current items and
reads their counts and actors, then the creators' one ``INSERT``. Two creators of the same
group thus run one after the other: no count is lost and no two items stay visible.

Cancelling notifications takes the same locks (:func:`lock_groups`) and then
:func:`regroup` keeps their groups in the inbox: the newest folded notification comes
back when the item is cancelled, and the item is recounted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Notification, TargetUserRecord

#: How many of a group's latest distinct actors an item keeps.
MAX_ACTORS = 3
#: Longest actor display name.
ACTOR_MAX_LENGTH = 150


@dataclass
class Superseded:
    """What the items a new notification replaces for one record add up to."""

    count: int = 0
    actors: list[str] = field(default_factory=list)
    pks: list = field(default_factory=list)


def validate_actor(actor: Any) -> str:
    """The actor's display name as stored (``None`` -> ``""``), or a ``ValueError``."""
    if actor is None:
        return ""
    if not isinstance(actor, str):
        raise ValueError(f"actor must be a string or None, not {type(actor).__name__}")
    actor = actor.strip()
    if len(actor) > ACTOR_MAX_LENGTH:
        raise ValueError(
            f"actor is {len(actor)} characters long; the limit is {ACTOR_MAX_LENGTH}."
        )
    return actor


def merge_actors(*lists: Iterable[str]) -> list[str]:
    """The first ``MAX_ACTORS`` distinct names of ``lists``, newest list first."""
    merged: list[str] = []
    for names in lists:
        for name in names:
            if name and name not in merged:
                merged.append(name)
    return merged[:MAX_ACTORS]


def lock_group(group_key: str, db: str) -> None:
    """Serialise creators of ``group_key`` until the current transaction ends.

    PostgreSQL: a transaction-level advisory lock on a 64-bit hash of the key (a hash
    collision only makes two groups wait for each other). SQLite needs none: its writers
    are serialised once :func:`supersede` has written.
    """
    connection = connections[db]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(group_key)])


def _lock_id(group_key: str) -> int:
    digest = hashlib.sha256(f"django_notification_system.group:{group_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def current_items(records: QuerySet, group_key: str, until: datetime) -> QuerySet:
    """The unread, not archived items of ``group_key`` on ``records``, due by ``until``."""
    return Notification.objects.filter(
        target_user_record__in=records.values("pk"),
        group_key=group_key,
        status__in=Notification.INBOX_STATUSES,
        scheduled_delivery__lte=until,
        read_at__isnull=True,
        archived_at__isnull=True,
        superseded_at__isnull=True,
    )


def supersede(records: QuerySet, group_key: str, until: datetime, db: str) -> dict:
    """Supersede the current items of ``group_key`` on ``records``: one ``UPDATE``.

    Returns record pk -> :class:`Superseded` for each record that had an item: what the
    new notification's ``group_count`` and ``actors`` build on.
    """
    connection = connections[db]
    qn = connection.ops.quote_name
    meta = Notification._meta
    items = current_items(records, group_key, until).using(db).values("pk")
    items_sql, items_params = items.query.get_compiler(using=db).as_sql()
    superseded_at = meta.get_field("superseded_at")
    columns = ", ".join(
        qn(meta.get_field(name).column)
        for name in ("id", "target_user_record", "group_count", "actors", "scheduled_delivery")
    )
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {qn(superseded_at.column)} = %s "
        f"WHERE {qn(meta.pk.column)} IN ({items_sql}) RETURNING {columns}"
    )
    now = superseded_at.get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *items_params])
        rows = cursor.fetchall()
    by_record: dict[Any, Superseded] = {}
    record_pk = TargetUserRecord._meta.pk
    # Newest first, so a record with several items (one marked unread again) keeps the
    # latest actors; raw dates of one backend compare in time order.
    for pk, record_id, count, actors, _ in sorted(rows, key=lambda row: row[4], reverse=True):
        superseded = by_record.setdefault(record_pk.to_python(record_id), Superseded())
        superseded.count += count
        superseded.actors = merge_actors(superseded.actors, _decoded(actors))
        superseded.pks.append(meta.pk.to_python(pk))
    return by_record


def _decoded(actors: Any) -> list[str]:
    if isinstance(actors, (str, bytes)):
        actors = json.loads(actors)
    return [name for name in actors or [] if isinstance(name, str)]


def restore(pks: list, db: str) -> int:
    """Put superseded items back (their replacement was not created after all)."""
    return Notification.objects.using(db).filter(pk__in=pks).update(superseded_at=None)


def with_folded(notifications: QuerySet, ids: list) -> QuerySet:
    """``notifications`` among ``ids``, plus the unread ones folded into those that are
    group items (one query when updated)."""
    items = (
        notifications.filter(pk__in=ids, superseded_at__isnull=True)
        .exclude(group_key="")
        .filter(target_user_record=OuterRef("target_user_record"), group_key=OuterRef("group_key"))
    )
    folded = Q(superseded_at__isnull=False, read_at__isnull=True) & Exists(items)
    return notifications.filter(Q(pk__in=ids) | folded)


def _folded(**filters: Any) -> Q:
    """Unread, not archived rows still folded into a group's item."""
    return Q(
        superseded_at__isnull=False,
        read_at__isnull=True,
        archived_at__isnull=True,
        status__in=Notification.INBOX_STATUSES,
        **filters,
    )


def _visible(now: datetime, **filters: Any) -> Q:
    """Rows that are a group's inbox item at ``now``."""
    return Q(
        superseded_at__isnull=True,
        read_at__isnull=True,
        archived_at__isnull=True,
        status__in=Notification.INBOX_STATUSES,
        scheduled_delivery__lte=now,
        **filters,
    )


def withdrawn_groups(rows: QuerySet) -> list[str]:
    """The group keys among ``rows`` (one query): what :func:`lock_groups` takes before
    ``rows`` leave the inbox, and :func:`regroup` repairs after."""
    return sorted(set(rows.exclude(group_key="").values_list("group_key", flat=True)))


def lock_groups(group_keys: list[str], db: str) -> None:
    """:func:`lock_group` for many keys in one statement, in a fixed order (no deadlock
    between two callers)."""
    connection = connections[db]
    if connection.vendor != "postgresql" or not group_keys:
        return
    ids = sorted({_lock_id(key) for key in group_keys})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY k) s",
            [ids],
        )


def regroup(withdrawn: QuerySet, group_keys: list[str], now: datetime) -> int:
    """Repair the groups of the ``withdrawn`` rows (cancelled: they left the inbox without
    being read), in one ``UPDATE`` whatever the number of groups.

    In each such group, the item (the visible one, or else the newest row still folded,
    which comes back) gets ``group_count`` = 1 + the rows still folded into it. Its
    ``actors`` stay as stored: a row that comes back lists the group as it was when it
    was the item. Idempotent: a group repaired twice is unchanged.
    """
    if not group_keys:
        return 0
    same_group = {
        "target_user_record": OuterRef("target_user_record"),
        "group_key": OuterRef("group_key"),
    }
    newer = Q(scheduled_delivery__gt=OuterRef("scheduled_delivery")) | Q(
        scheduled_delivery=OuterRef("scheduled_delivery"), pk__gt=OuterRef("pk")
    )
    objects = Notification.objects.using(withdrawn.db)
    others_folded = (
        objects.filter(_folded(**same_group))
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("target_user_record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    touched = Exists(withdrawn.filter(**same_group))
    comes_back = (
        _folded()
        & ~Exists(objects.filter(_visible(now, **same_group)))
        & ~Exists(objects.filter(_folded(**same_group)).filter(newer))
    )
    items = (
        objects.filter(group_key__in=group_keys).filter(touched).filter(_visible(now) | comes_back)
    )
    return items.update(
        superseded_at=None,
        group_count=Coalesce(Subquery(others_folded), Value(0)) + 1,
    )
