"""Withdraw notifications that have not gone out yet: ``cancel_notifications(cancel_key)``.

A cancelled row gets the final status ``CANCELLED`` in one ``UPDATE``; its
``attempted_delivery`` is left as it was and ``last_error`` says who cancelled it. Only
rows the dispatcher has not taken are touched: SCHEDULED and RETRY rows, SENDING rows
whose lease has expired (their worker died; they would otherwise be sent again), and HELD
rows no digest carries yet. A row
under a live lease is on its way and is neither touched nor counted.

Why a cancelled row is never sent: the claim is a guarded ``UPDATE`` (it takes only due
rows, and a CANCELLED row is not due), and the record step writes an outcome only to rows
still SENDING under the run's claim token; cancelling clears the token, so a worker that
had claimed the row before its lease ran out can no longer write to it either.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..dispatch.locking import retry_if_locked
from ..inbox import groups
from ..models import Notification
from .validation import validate_key

logger = logging.getLogger(__name__)


def cancellable(now: datetime) -> Q:
    """Rows that may still be cancelled at ``now``: not sent yet and not under a live lease."""
    expired_lease = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    return (
        Q(status__in=[Notification.SCHEDULED, Notification.RETRY])
        | (Q(status=Notification.SENDING) & expired_lease)
        | Q(status=Notification.HELD, digest__isnull=True)  # held, not yet in a digest
    )


def cancel_queryset(queryset: QuerySet, cancelled_by: str) -> int:
    """Cancel the cancellable rows of ``queryset`` in one UPDATE; return how many changed.

    ``cancelled_by`` completes ``last_error``: "Cancelled by <cancelled_by>." When some of
    the rows are in-app grouped, their groups are repaired in the same transaction (see
    :func:`.inbox.groups.regroup`): read the group keys, lock them (PostgreSQL), cancel,
    repair, whatever the number of groups; without grouped rows, the read and the cancel.
    """
    now = timezone.now()
    rows = queryset.filter(cancellable(now))
    db = rows.db

    def cancel() -> int:
        with transaction.atomic(using=db):
            group_keys = groups.withdrawn_groups(rows)
            groups.lock_groups(group_keys, db)
            count = rows.update(
                status=Notification.CANCELLED,
                last_error=f"Cancelled by {cancelled_by}.",
                lease_expires_at=None,
                claim_token=None,
                modified_date=now,
            )
            # The rows this call cancelled (another call at the same instant only adds
            # groups to repair, which is harmless: repairing is idempotent).
            withdrawn = Notification.objects.using(db).filter(
                status=Notification.CANCELLED, modified_date=now, group_key__in=group_keys
            )
            groups.regroup(withdrawn, group_keys, now)
            return count

    return retry_if_locked(cancel)


def cancel_notifications(cancel_key: str, user=None) -> int:
    """Cancel every pending notification created with ``cancel_key`` (of ``user`` if given).

    Returns how many rows were cancelled. ``user`` is a user instance or pk.
    """
    cancel_key = validate_key("cancel_key", cancel_key)
    rows = Notification.objects.filter(cancel_key=cancel_key)
    if user is not None:
        rows = rows.filter(target_user_record__user=getattr(user, "pk", user))
    count = cancel_queryset(rows, "cancel_notifications() with its cancel key")
    logger.info("cancelled %d notifications by cancel key", count)
    return count
