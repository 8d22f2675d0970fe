"""Claim due notifications in batches, each under a lease and a claim token.

Due rows are SCHEDULED or RETRY rows whose ``scheduled_delivery`` has passed, plus
SENDING rows whose lease has expired (their worker died). One statement claims a
batch: on PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED`` so
concurrent runs take disjoint batches; on SQLite the ``UPDATE`` re-checks the due
condition on every row it changes (a compare-and-set), and SQLite runs the whole
statement under its write lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, F, Func, Q, QuerySet

from ..models import Notification
from .locking import retry_if_locked

#: What a previous attempt left that must not outlive it: a claim starts a new send, whose
#: provider id and reports replace the old ones (DeliveryAttempt keeps the history), so
#: callbacks for the old message id no longer match the row.
RESEND_RESET = {"provider_message_id": "", "provider_status": "", "provider_status_at": None}


def due_condition(due_before: datetime, now: datetime) -> Q:
    """Rows a run may claim: pending, scheduled by ``due_before``, not under a live lease."""
    return Q(status__in=Notification.PENDING_STATUSES, scheduled_delivery__lte=due_before) & (
        Q(status__in=[Notification.SCHEDULED, Notification.RETRY])
        | Q(lease_expires_at__lte=now)
        | Q(lease_expires_at__isnull=True)
    )


class _LiteralIn(Func):
    """``column IN ('a', 'b')`` with the values written into the SQL rather than bound."""

    output_field = BooleanField()

    def __init__(self, column: str, values: Sequence[str]) -> None:
        super().__init__(F(column))
        self.values = tuple(values)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        literals = ", ".join("'{}'".format(value.replace("'", "''")) for value in self.values)
        return f"{column} IN ({literals})", params


def due_index_condition() -> _LiteralIn:
    """The due index's own condition, with literals, so that SQLite uses that index.

    SQLite uses a partial index only when the query repeats the index's ``WHERE`` term
    with the same literals; ``status__in`` sends its values as bound parameters, so
    without this term SQLite scans the whole table (a claim costs time in proportion to
    the table's history). Other databases take it as the redundant filter it is. The
    column goes through the ORM, so the term follows the table into subqueries.
    """
    return _LiteralIn("status", Notification.PENDING_STATUSES)


def due_notifications(
    due_before: datetime,
    now: datetime,
    targets: Sequence[str] | None = None,
    exclude_modules: Sequence[str] = (),
) -> QuerySet:
    """The due rows, optionally only for ``targets`` (target names or module names)."""
    queryset = Notification.objects.filter(due_condition(due_before, now), due_index_condition())
    if targets:
        queryset = queryset.filter(
            Q(target_user_record__target__name__in=targets)
            | Q(target_user_record__target__notification_module_name__in=targets)
        )
    if exclude_modules:
        queryset = queryset.exclude(
            target_user_record__target__notification_module_name__in=exclude_modules
        )
    return queryset


def claim_batch(
    token: uuid.UUID,
    size: int,
    *,
    due_before: datetime,
    now: datetime,
    lease: timedelta,
    targets: Sequence[str] | None = None,
    exclude_modules: Sequence[str] = (),
) -> int:
    """Mark up to ``size`` due rows SENDING under ``token``; return how many were taken."""
    candidates = due_notifications(due_before, now, targets, exclude_modules).order_by(
        "scheduled_delivery"
    )
    claimed_values = {
        "status": Notification.SENDING,
        "attempted_delivery": now,
        "lease_expires_at": now + lease,
        "claim_token": token,
        "modified_date": now,
        **RESEND_RESET,
    }
    if connection.features.has_select_for_update_skip_locked:
        locked = candidates.select_for_update(skip_locked=True, of=("self",)).values("pk")
        with transaction.atomic():
            return Notification.objects.filter(pk__in=locked[:size]).update(**claimed_values)

    def compare_and_set() -> int:
        return (
            Notification.objects.filter(pk__in=candidates.values("pk")[:size])
            .filter(due_condition(due_before, now))
            .update(**claimed_values)
        )

    return retry_if_locked(compare_and_set)
