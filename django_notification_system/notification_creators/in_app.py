"""In-app creator: schedules notifications for the user's inbox (see ``inbox``).

Unlike the other channels the user needs no address: their in-app ``TargetUserRecord`` is
created on first use, for a whole batch of users in one statement. An admin who deactivates
that record turns the inbox off for the user (creation then skips them, as for any channel).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections
from django.db.models import F, QuerySet
from django.utils import timezone

from ..exceptions import NotificationSystemConfigurationError, UserHasNoTargetRecords
from ..models import Notification, NotificationTarget, TargetUserRecord
from .base import _placeholder, _random_uuid_sql, create_for_user

CHANNEL = "in_app"
#: Nothing is sent anywhere, so a retry is never needed; kept for the column's sake.
DEFAULT_RETRY_TIME_INTERVAL = 0
#: Notifications with the same ``group_key`` show as one inbox item (see ``inbox/groups.py``).
GROUPS = True
#: The description of the records this module creates.
RECORD_DESCRIPTION = "In-app inbox"


def create_notification(
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    quiet: bool = False,
    extra: dict | None = None,
    category: str | None = None,
    url: str = "",
    idempotency_key: str | None = None,
    cancel_key: str | None = None,
    group_key: str | None = None,
    actor: str | None = None,
) -> list[Notification]:
    """Put a notification in ``user``'s inbox from ``scheduled_delivery`` (default: now) on.

    ``url`` is where the item links to; ``category``, ``idempotency_key`` and ``cancel_key``
    work as for every creator (see the creators docs): a user whose preferences turn the
    category off for ``in_app`` gets ``[]``. Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords``
    (the user's in-app record was deactivated) or ``NotificationsNotCreated`` (the same
    notification exists) unless ``quiet``; ``ValueError`` for invalid input.

    ``group_key``: the notification replaces the user's unread one with the same key in
    the inbox, as one item whose ``group_count`` counts both and whose ``actors`` lists the
    group's latest distinct ``actor`` names ("Ann and 12 others commented").
    """
    try:
        return create_for_user(
            CHANNEL,
            user,
            title,
            body,
            scheduled_delivery,
            DEFAULT_RETRY_TIME_INTERVAL,
            3,
            quiet,
            extra,
            idempotency_key=idempotency_key,
            cancel_key=cancel_key,
            url=url,
            category=category,
            group_key=group_key,
            actor=actor,
        )
    except UserHasNoTargetRecords:
        if not NotificationTarget.objects.filter(notification_module_name=CHANNEL).exists():
            raise NotificationSystemConfigurationError(
                f"No notification target serves {CHANNEL!r}: run migrate (it adds 'In-App') "
                f"or add a NotificationTarget with notification_module_name={CHANNEL!r}"
            ) from None
        raise


def provide_records(users: QuerySet, db: str) -> None:
    """Give every user of ``users`` without an in-app record one, in a single ``INSERT``.

    Users who have one (active or not) are left alone; ``ON CONFLICT DO NOTHING`` on the
    record's unique constraint makes concurrent callers harmless. Creates nothing if no
    target serves ``in_app`` (the creator then reports the users as having no record).
    """
    connection = connections[db]
    qn = connection.ops.quote_name
    users = users if users.query.is_sliced else users.order_by()
    users_sql, users_params = users.values(_dns_user=F("pk")).query.get_compiler(using=db).as_sql()
    record = TargetUserRecord._meta
    target = NotificationTarget._meta
    address = record.get_field("target_user_id")
    now = timezone.now()
    values = {
        "created_date": now,
        "modified_date": now,
        "description": RECORD_DESCRIPTION,
        "active": True,
    }
    columns, selects, params = [], [], []
    for name, value in values.items():
        model_field = record.get_field(name)
        columns.append(qn(model_field.column))
        selects.append(_placeholder(model_field, connection))
        params.append(model_field.get_db_prep_save(value, connection))
    user_column = qn(record.get_field("user").column)
    target_column = qn(record.get_field("target").column)
    columns += [qn(record.pk.column), user_column, target_column, qn(address.column)]
    selects += [
        _random_uuid_sql(connection),
        f"u.{qn('_dns_user')}",
        f"t.{qn(target.pk.column)}",
        f"CAST(u.{qn('_dns_user')} AS {address.db_type(connection)})",
    ]
    sql = (
        f"INSERT INTO {qn(record.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM ({users_sql}) u, "
        f"(SELECT {qn(target.pk.column)} FROM {qn(target.db_table)} "
        f"WHERE {qn(target.get_field('notification_module_name').column)} = %s "
        f"ORDER BY {qn(target.get_field('created_date').column)} LIMIT 1) t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {qn(record.db_table)} r "
        f"WHERE r.{user_column} = u.{qn('_dns_user')} "
        f"AND r.{target_column} = t.{qn(target.pk.column)}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *users_params, CHANNEL])
