"""Create or update every user's email TargetUserRecord from the user model, in bulk."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import NotificationTarget, TargetUserRecord

logger = logging.getLogger(__name__)

EMAIL_MODULE_NAME = "email"


@dataclass
class RecordCounts:
    """What :func:`sync_email_target_user_records` did, per user."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # users without an email address


def email_target() -> NotificationTarget:
    """The Email target, found by ``notification_module_name`` (the data migration makes it)."""
    return NotificationTarget.objects.filter(notification_module_name=EMAIL_MODULE_NAME).earliest(
        "created_date"
    )


def describe(user) -> str:
    """The record's description, as in 1.5.3: "<full name>'s Email"."""
    get_full_name = getattr(user, "get_full_name", None)
    name = (get_full_name() if callable(get_full_name) else "").strip() or user.get_username()
    return f"{name}'s Email"[:200]


def sync_email_target_user_records(
    batch_size: int = 1000, progress: Callable[[int, int], None] | None = None
) -> RecordCounts:
    """For every user with an email, make sure an active email record with that address exists.

    Records are keyed by (user, Email target, address), as in 1.5.3: a new address gets a new
    record; an existing one is reactivated and its description refreshed. Idempotent; a few
    queries per ``batch_size`` users. ``progress(done, total)`` is called after each batch.
    """
    User = get_user_model()
    email_field = User.get_email_field_name()
    target = email_target()
    users = User._default_manager.order_by("pk")
    total = users.count()
    counts = RecordCounts()
    done = 0
    last_pk = None
    while True:
        page = users if last_pk is None else users.filter(pk__gt=last_pk)
        batch = list(page[:batch_size])
        if not batch:
            break
        _sync_batch(batch, email_field, target, counts)
        last_pk = batch[-1].pk
        done += len(batch)
        if progress is not None:
            progress(done, total)
    logger.info("email target user records: %s", counts)
    return counts


def _sync_batch(batch: list, email_field: str, target, counts: RecordCounts) -> None:
    wanted = {}
    for user in batch:
        address = (getattr(user, email_field, "") or "").strip()
        if address:
            wanted[(user.pk, address)] = (user, describe(user))
        else:
            counts.skipped += 1
    existing = {
        (record.user_id, record.target_user_id): record
        for record in TargetUserRecord.objects.filter(
            target=target, user__in=[user.pk for user in batch]
        )
    }
    now = timezone.now()
    to_create, to_update = [], []
    for key, (user, description) in wanted.items():
        record = existing.get(key)
        if record is None:
            to_create.append(
                TargetUserRecord(
                    user=user,
                    target=target,
                    target_user_id=key[1],
                    description=description,
                    active=True,
                )
            )
        elif not record.active or record.description != description:
            record.active, record.description, record.modified_date = True, description, now
            to_update.append(record)
        else:
            counts.unchanged += 1
    # ignore_conflicts: a record another process created meanwhile is not an error.
    TargetUserRecord.objects.bulk_create(to_create, ignore_conflicts=True)
    TargetUserRecord.objects.bulk_update(to_update, ["active", "description", "modified_date"])
    counts.created += len(to_create)
    counts.updated += len(to_update)
