"""Write a batch's outcomes back: one short transaction, one UPDATE per outcome class.

Every UPDATE is guarded by ``claim_token`` and ``status=SENDING``: a row whose lease
expired and was taken over by another run (or that a 1.5.3-style handler already saved)
is never overwritten. A row deleted while it was being sent (its user, record or the row
itself) is skipped: its attempt is not inserted, so no foreign key fails at COMMIT.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.models import Case, F, Value, When

from .. import conf
from ..models import DeliveryAttempt, Notification, TargetUserRecord
from ..notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Outcome,
    Retry,
)
from ..signals import batch_recorded, send_robust
from .locking import retry_if_locked
from .retry import is_exhausted, next_attempt_at

logger = logging.getLogger(__name__)


#: Errors that mean "the database connection is gone", not "this data is wrong".
CONNECTION_ERRORS = (OperationalError, InterfaceError)

#: Parameters per statement of the multi-row INSERT (databases other than SQLite and PostgreSQL).
MAX_PARAMETERS = 65535

#: Pseudo-status counted for rows deleted between claim and record (their outcome is dropped).
DELETED = "DELETED DURING THE SEND"


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one notification in a batch, as sent with ``batch_recorded``.

    ``status`` is the status the row was given. ``settled_by_handler`` marks rows a
    1.5.3-style handler saved itself: their status is kept as it saved it.
    """

    notification: Notification
    outcome: Outcome
    status: str
    settled_by_handler: bool = False


def status_for(notification: Notification, outcome: Outcome) -> str:
    """The status an outcome gives this row (a Retry on the last allowed attempt fails)."""
    if isinstance(outcome, Delivered):
        return Notification.DELIVERED
    if isinstance(outcome, Retry):
        return Notification.DELIVERY_FAILURE if is_exhausted(notification) else Notification.RETRY
    if isinstance(outcome, InactiveAddress):
        return Notification.INACTIVE_DEVICE
    if isinstance(outcome, OptedOut):
        return Notification.OPTED_OUT
    if isinstance(outcome, Failed):
        return Notification.DELIVERY_FAILURE
    raise TypeError(f"not an outcome: {type(outcome).__name__}")


def per_row(field: models.Field, values: dict) -> Case | Value:
    """One SQL value per row: the most common value as default, a ``When`` per other value."""
    by_value: dict = defaultdict(list)
    for pk, value in values.items():
        by_value[value].append(pk)
    ordered = sorted(by_value.items(), key=lambda item: len(item[1]), reverse=True)
    default = Value(ordered[0][0], output_field=field)
    if len(ordered) == 1:
        return default
    whens = [When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in ordered[1:]]
    return Case(*whens, default=default, output_field=field)


def _field(name: str) -> models.Field:
    return Notification._meta.get_field(name)


def _guarded(token: uuid.UUID, pks: Iterable) -> models.QuerySet:
    return Notification.objects.filter(
        pk__in=list(pks), claim_token=token, status=Notification.SENDING
    )


def _released(now: datetime) -> dict:
    return {"lease_expires_at": None, "claim_token": None, "modified_date": now}


def _update_group(token: uuid.UUID, status: str, rows: list[DeliveryResult], now) -> int:
    """One UPDATE for every row that gets ``status``."""
    pks = [r.notification.pk for r in rows]
    values = {"status": status, **_released(now)}
    if status == Notification.DELIVERED:
        values["last_error"] = ""
        ids = {r.notification.pk: r.outcome.provider_message_id or "" for r in rows}
        if any(ids.values()):
            values["provider_message_id"] = per_row(_field("provider_message_id"), ids)
    else:
        errors = {r.notification.pk: r.outcome.error for r in rows}
        values["last_error"] = per_row(_field("last_error"), errors)
    if status == Notification.RETRY:
        times = {
            r.notification.pk: next_attempt_at(r.notification, now, r.outcome.after) for r in rows
        }
        values["scheduled_delivery"] = per_row(_field("scheduled_delivery"), times)
    if status in (Notification.RETRY, Notification.DELIVERY_FAILURE):
        values["retry_attempts"] = F("retry_attempts") + 1
    return _guarded(token, pks).update(**values)


#: DeliveryAttempt columns, in the order ``insert_attempts`` writes them.
ATTEMPT_COLUMNS = (
    "id",
    "created_date",
    "modified_date",
    "notification",
    "attempted_at",
    "outcome",
    "error",
    "provider_message_id",
)


def insert_attempts(results: Sequence[DeliveryResult], now: datetime) -> None:
    """Append one DeliveryAttempt per result in one INSERT statement.

    Equivalent to ``bulk_create`` but with values prepared once per batch rather than
    once per field per row, which made ``bulk_create`` cost more than the send itself.
    SQLite gets one ``executemany`` (a C loop); PostgreSQL one ``INSERT … SELECT FROM
    unnest(…)`` with one array parameter per column, so the statement and its
    parameters stay the same size whatever the batch size; other databases a
    multi-row ``INSERT``.
    """
    if not results:
        return
    db = connections[DEFAULT_DB_ALIAS]
    meta = DeliveryAttempt._meta
    fields = [meta.get_field(name) for name in ATTEMPT_COLUMNS]
    prep_uuid = meta.pk.get_db_prep_value
    prep_notification = Notification._meta.pk.get_db_prep_value
    prep_time = functools.lru_cache(maxsize=8)(
        lambda value: fields[1].get_db_prep_value(value, db)
    )
    stamp = prep_time(now)
    rows = [
        (
            prep_uuid(uuid.uuid4(), db),
            stamp,
            stamp,
            prep_notification(r.notification.pk, db),
            prep_time(r.notification.attempted_delivery or now),
            r.outcome.kind,
            r.outcome.error,
            r.outcome.provider_message_id or "",
        )
        for r in results
    ]
    quote = db.ops.quote_name
    insert = "INSERT INTO {} ({})".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            cursor.executemany(f"{insert} VALUES ({', '.join(['%s'] * len(fields))})", rows)
        elif db.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(db)}[]" for f in fields)
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(f"{insert} SELECT * FROM unnest({arrays})", columns)
        else:
            placeholders = "({})".format(", ".join(["%s"] * len(fields)))
            per_statement = MAX_PARAMETERS // len(fields)
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                params = [value for row in chunk for value in row]
                values = ", ".join([placeholders] * len(chunk))
                cursor.execute(f"{insert} VALUES {values}", params)


def record_batch(
    token: uuid.UUID, results: Sequence[DeliveryResult], now: datetime
) -> tuple[Counter, int]:
    """Write ``results`` in one transaction; return (rows per status, rows with lost lease).

    When the database connection fails (an outage, a failover), the outcomes are kept in
    memory before the error propagates, and :func:`record_kept_batches` writes them after
    reconnecting, under the same claim token, so an outage the process survives costs no
    re-send.
    """
    try:
        return _write_batch(token, results, now)
    except CONNECTION_ERRORS:
        _keep(token, results, now)
        raise


def _already_recorded(results: Sequence[DeliveryResult], stamp: datetime) -> set:
    """Rows of ``results`` whose attempt stamped ``stamp`` is already stored (one query)."""
    pks = [r.notification.pk for r in results]
    return set(
        DeliveryAttempt.objects.filter(notification_id__in=pks, created_date=stamp).values_list(
            "notification_id", flat=True
        )
    )


def _still_there(pks: Sequence) -> set:
    """The rows of ``pks`` that still exist, locked until the transaction ends (one query).

    The lock (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite's write lock, already held by the
    UPDATEs before it) keeps a concurrent delete from removing a row between this read and
    the COMMIT that checks the attempts' foreign keys.
    """
    return set(
        Notification.objects.select_for_update(no_key=True)
        .filter(pk__in=list(pks))
        .values_list("pk", flat=True)
    )


def _write_batch(
    token: uuid.UUID,
    results: Sequence[DeliveryResult],
    now: datetime,
    first_try: datetime | None = None,
) -> tuple[Counter, int]:
    """Write ``results``; ``first_try``, for a kept batch, is when its first try failed.

    The attempts are stamped with the first try's time, so that a try whose commit landed
    although its reply never came (an outage at the wrong moment) is recognised when the
    batch is written again: its rows are no longer ``SENDING`` under this token, so the
    guarded UPDATEs leave them alone, and their attempts are not inserted a second time.
    """
    stamp = first_try or now
    groups: dict[str, list[DeliveryResult]] = defaultdict(list)
    for result in results:
        if not result.settled_by_handler:
            groups[result.status].append(result)
    saved_by_handler = [r.notification.pk for r in results if r.settled_by_handler]
    dead_records = {
        r.notification.target_user_record_id
        for r in results
        if not r.settled_by_handler and isinstance(r.outcome, (InactiveAddress, OptedOut))
    }

    def write() -> tuple[int, set, set]:
        with transaction.atomic():
            done = _already_recorded(results, stamp) if first_try else set()
            updated = sum(_update_group(token, s, rows, now) for s, rows in groups.items())
            todo = [r.notification.pk for r in results if r.notification.pk not in done]
            present = _still_there(todo) if todo else set()
            if saved_by_handler:  # keep their status; drop our lease
                Notification.objects.filter(pk__in=saved_by_handler, claim_token=token).update(
                    lease_expires_at=None, claim_token=None
                )
            if dead_records:
                TargetUserRecord.objects.filter(pk__in=dead_records).update(
                    active=False, modified_date=now
                )
            insert_attempts([r for r in results if r.notification.pk in present], stamp)
        return updated, done, done | present

    updated, done, present = retry_if_locked(write)
    grouped = [r for rows in groups.values() for r in rows]
    recorded_before = sum(r.notification.pk in done for r in grouped)
    deleted = sum(r.notification.pk not in present for r in grouped)
    lost = len(grouped) - updated - recorded_before - deleted
    if lost:
        logger.warning(
            "%d of %d rows of a batch lost their lease before recording", lost, len(grouped)
        )
    counts = Counter(r.status for r in results if r.notification.pk in present)
    if len(present) < len(results):
        counts[DELETED] = len(results) - len(present)
        logger.info("%d rows of a batch were deleted during the send", counts[DELETED])
    return counts, lost


def settle(token: uuid.UUID, notifications: Sequence[Notification], status: str, reason: str, now):
    """Settle claimed rows without sending them (one UPDATE); return how many changed."""
    values = {"status": status, "last_error": reason, **_released(now)}
    pks = [n.pk for n in notifications]
    return retry_if_locked(lambda: _guarded(token, pks).update(**values))


def release_unsent(
    token: uuid.UUID, pks: Sequence, now: datetime, due: datetime | None = None
) -> int:
    """Hand claimed rows that were never sent back as they were (one UPDATE).

    Used for a batch claimed ahead that the run will not send (it is stopping): rows
    that were retried before go back to RETRY, the others to SCHEDULED, due at once,
    with no attempt counted and ``last_error`` untouched (a row never attempted gets its
    ``attempted_delivery`` cleared again). ``due`` moves ``scheduled_delivery`` (after a
    rule raised: due again, but not within the same run).
    """
    pending = Case(
        When(retry_attempts=0, then=Value(Notification.SCHEDULED)),
        default=Value(Notification.RETRY),
        output_field=_field("status"),
    )
    attempted = Case(
        When(retry_attempts=0, then=Value(None)),
        default=F("attempted_delivery"),
        output_field=_field("attempted_delivery"),
    )
    values = {"status": pending, "attempted_delivery": attempted, **_released(now)}
    if due is not None:
        values["scheduled_delivery"] = due
    return retry_if_locked(lambda: _guarded(token, pks).update(**values))


@dataclass(frozen=True)
class KeptBatch:
    """Outcomes of a sent batch whose record step failed, waiting for the database."""

    token: uuid.UUID
    results: tuple[DeliveryResult, ...]
    lease_expires_at: datetime
    first_try: datetime  # when the record step first ran: its attempts carry this time


_kept: list[KeptBatch] = []


def _keep(token: uuid.UUID, results: Sequence[DeliveryResult], now: datetime) -> None:
    claimed_at = min(
        (r.notification.attempted_delivery for r in results if r.notification.attempted_delivery),
        default=None,
    )
    if claimed_at is None:
        return
    expires = claimed_at + timedelta(seconds=conf.lease_seconds())
    _kept.append(KeptBatch(token, tuple(results), expires, now))
    # INFO: the caller reports the outage itself (once), with kept_outcomes() in it.
    logger.info(
        "database unavailable while recording %d outcomes; kept to record after reconnecting",
        len(results),
    )


def kept_outcomes() -> int:
    """How many outcomes of sent batches wait for the database (in this process)."""
    return sum(len(kept.results) for kept in _kept)


def record_kept_batches(now: datetime) -> tuple[Counter, int]:
    """Record the kept batches whose lease still holds; drop the others.

    Returns (rows per status, rows with lost lease) over the batches recorded, and sends
    ``batch_recorded`` for each. A batch whose lease expired may already have been claimed
    and sent again by another run: it is dropped, and its rows come back through their
    lease as after a crash. Raises the connection error again, keeping what is left, when
    the database is still unavailable.
    """
    total: Counter = Counter()
    total_lost = 0
    while _kept:
        kept = _kept[0]
        if kept.lease_expires_at <= now:
            logger.warning(
                "outcomes of %d rows dropped: their lease expired before the database came back",
                len(kept.results),
            )
        else:
            counts, lost = _write_batch(kept.token, kept.results, now, kept.first_try)
            total.update(counts)
            total_lost += lost
            logger.info("recorded %d kept outcomes after reconnecting", len(kept.results))
            send_robust(
                batch_recorded, Notification, results=list(kept.results), claim_token=kept.token
            )
        _kept.pop(0)
    return total, total_lost
