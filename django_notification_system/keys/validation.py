"""Idempotency and cancel keys on the creation path.

An idempotency key makes creation safe to repeat: the partial unique constraint
``dns_notification_unique_key`` (target user record, key) lets the creators' one
``INSERT ... ON CONFLICT DO NOTHING`` skip a record that already has a row with that key,
also when concurrent processes insert at once. The rows that blocked creation are then
read back in one query, so a repeated call returns what the first one created.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from ..models import Notification
from ..models.notification import KEY_MAX_LENGTH


def validate_key(name: str, value: Any) -> str:
    """``value`` as stored (``None`` -> ``""``, no key), or a ``ValueError`` naming ``name``."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string or None, not {value!r}")
    if len(value) > KEY_MAX_LENGTH:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {KEY_MAX_LENGTH}.")
    return value


def rows_with_key(records: QuerySet, key: str, user_pks: Iterable, db: str) -> list[Notification]:
    """The rows holding ``key`` on ``records`` of the users ``user_pks`` (one query).

    Each comes with its ``target_user_record`` loaded, so callers can tell whose it is.
    The partial index's own condition is repeated so that SQLite uses that index.
    """
    return list(
        Notification.objects.using(db)
        .filter(
            ~Q(idempotency_key=""),
            idempotency_key=key,
            target_user_record__in=records.filter(user__in=list(user_pks)).values("pk"),
        )
        .select_related("target_user_record")
        .order_by("created_date", "pk")
    )
