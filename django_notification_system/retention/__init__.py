"""Retention: delete old final-state notifications and their delivery attempts in batches.

Each batch is one short transaction over at most ``batch_size`` primary keys, so memory
and lock time stay bounded however many rows are old. Pending rows (SCHEDULED, RETRY,
SENDING) are never deleted: the dispatcher may still act on them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from ..models import DeliveryAttempt, Notification

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class RetentionResult:
    """How many rows were deleted (or, on a dry run, would be)."""

    notifications: int
    attempts: int
    batches: int
    cutoff: datetime
    statuses: tuple[str, ...]
    dry_run: bool = False


def normalize_status(value: str) -> str:
    """``"delivery_failure"`` / ``"Delivery Failure"`` → ``"DELIVERY FAILURE"``."""
    return value.strip().upper().replace("_", " ")


def validate_statuses(statuses: Iterable[str] | None) -> tuple[str, ...]:
    """The final statuses to delete; a pending or unknown status is a ``ValueError``."""
    if not statuses:
        return tuple(Notification.FINAL_STATUSES)
    chosen = tuple(dict.fromkeys(normalize_status(s) for s in statuses))
    pending = [s for s in chosen if s in Notification.PENDING_STATUSES]
    if pending:
        raise ValueError(
            f"{', '.join(pending)} notifications are still pending and are never deleted; "
            f"choose among {', '.join(Notification.FINAL_STATUSES)}"
        )
    unknown = [s for s in chosen if s not in Notification.FINAL_STATUSES]
    if unknown:
        raise ValueError(
            f"unknown status {', '.join(unknown)}; "
            f"choose among {', '.join(Notification.FINAL_STATUSES)}"
        )
    return chosen


def delete_old_notifications(
    days: int,
    statuses: Iterable[str] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    now: datetime | None = None,
) -> RetentionResult:
    """Delete final-state notifications last modified more than ``days`` days ago.

    Their delivery attempts go with them (cascade). ``statuses`` narrows the final
    statuses to delete (default: all of ``Notification.FINAL_STATUSES``).
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, not {days!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
    chosen = validate_statuses(statuses)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Notification.objects.filter(status__in=chosen, modified_date__lt=cutoff)

    if dry_run:
        return RetentionResult(
            notifications=old.count(),
            attempts=DeliveryAttempt.objects.filter(
                notification__status__in=chosen, notification__modified_date__lt=cutoff
            ).count(),
            batches=0,
            cutoff=cutoff,
            statuses=chosen,
            dry_run=True,
        )

    notifications = attempts = batches = 0
    while True:
        deleted_notifications, deleted_attempts, found = _delete_one_batch(old, batch_size)
        if not found:
            break
        batches += 1
        notifications += deleted_notifications
        attempts += deleted_attempts
        logger.info(
            "retention batch %d: %d notifications, %d attempts deleted",
            batches,
            deleted_notifications,
            deleted_attempts,
        )
    return RetentionResult(notifications, attempts, batches, cutoff, chosen)


def _delete_one_batch(old, batch_size: int) -> tuple[int, int, int]:
    """Delete up to ``batch_size`` rows of ``old`` in one transaction.

    On databases with ``SKIP LOCKED`` the batch's rows are locked first, so a row that
    another transaction is changing (e.g. the admin's "retry now") is left alone, and
    the delete re-checks the status and age filter of ``old`` either way.
    """
    with transaction.atomic():
        candidates = old.order_by()
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        pks = list(candidates.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return 0, 0, 0
        _, per_model = old.filter(pk__in=pks).only("pk").delete()
    return (
        per_model.get(Notification._meta.label, 0),
        per_model.get(DeliveryAttempt._meta.label, 0),
        len(pks),
    )
