"""What a delivery rule decides for a claimed row, and the one function that writes it.

A rule (see :mod:`django_notification_system.rules`) answers with a decision per row it
does not let through: :class:`Settle` (a final status with a reason), :class:`Reschedule`
(back to SCHEDULED later, no attempt counted) or :class:`Hold` (HELD in its digest window).
:func:`write_decisions` writes a whole batch's decisions, one guarded ``UPDATE`` per kind of
decision and summary key, only for rows still SENDING under this run's claim token: a row
another worker took over meanwhile is left alone.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Case, F, When

from ..models import DigestWindow, Notification, TargetUserRecord
from ..signals import notifications_settled, send_robust
from .locking import retry_if_locked
from .record import per_row

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settle:
    """Give the row a final ``status`` (e.g. ``"OPTED OUT"``) with ``reason`` as ``last_error``.

    The run's summary counts it under ``key`` (default: the status). ``deactivate_record``
    also marks the row's target user record inactive (an address no send can use), in the
    same guarded write.
    """

    status: str
    reason: str
    key: str = ""
    deactivate_record: bool = False

    @property
    def summary_key(self) -> str:
        return self.key or self.status


@dataclass(frozen=True)
class Reschedule:
    """Back to SCHEDULED at ``until``: the lease dropped, no attempt counted.

    ``reason`` says why, for logs and the summary (which counts it under ``key``, default
    ``"RESCHEDULED"``); ``last_error`` is left as it was.
    """

    until: datetime
    reason: str
    key: str = ""

    @property
    def summary_key(self) -> str:
        return self.key or "RESCHEDULED"


@dataclass(frozen=True)
class Hold:
    """HELD in the row's (record, category) digest window: the digest flush sends it later.

    ``until`` moves the row's ``scheduled_delivery`` (when its window may close at the
    earliest); ``frequency`` marks the window as held by a user's frequency (``None``: by a
    category's digest or a throttle).
    """

    reason: str
    until: datetime | None = None
    frequency: str | None = None
    key: str = ""

    @property
    def summary_key(self) -> str:
        return self.key or "HELD"


Decision = Settle | Reschedule | Hold


@dataclass(frozen=True)
class RuleContext:
    """What every rule of a run sees: one ``now`` per batch and the database alias.

    ``claim_token`` is the batch's claim (``None`` in ``before_run``/``after_run``);
    ``batch_size``, ``lease`` and ``targets`` are the run's own, for hooks that work in
    batches of their own (the digest flush).
    """

    now: datetime
    using: str = DEFAULT_DB_ALIAS
    claim_token: uuid.UUID | None = None
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    targets: tuple[str, ...] | None = None


def _guarded(token: uuid.UUID, pks, using: str):
    return Notification.objects.using(using).filter(
        pk__in=list(pks), claim_token=token, status=Notification.SENDING
    )


def _released(now: datetime) -> dict:
    return {"lease_expires_at": None, "claim_token": None, "modified_date": now}


def _category(notification: Notification) -> str:
    # The loaded value only: a deferred column would cost a query per row.
    return notification.__dict__.get("category") or ""


def window_ids(
    pairs: set[tuple], frequencies: dict | None = None, using: str = DEFAULT_DB_ALIAS
) -> dict[tuple, uuid.UUID]:
    """(record pk, category) -> DigestWindow pk, creating the missing windows; two queries.

    ``frequencies`` ((record pk, category) -> frequency or ``None``) is recorded on the
    windows where it changed: a third query, only then.
    """
    windows = DigestWindow.objects.using(using)
    windows.bulk_create(
        [
            DigestWindow(target_user_record_id=record, category=category)
            for record, category in pairs
        ],
        ignore_conflicts=True,
    )
    rows = windows.filter(
        target_user_record_id__in={record for record, _ in pairs},
        category__in={category for _, category in pairs},
    ).values_list("target_user_record_id", "category", "pk", "frequency")
    found = {}
    changed = {}
    for record, category, pk, frequency in rows:
        if (record, category) in pairs:
            found[(record, category)] = pk
            wanted = (frequencies or {}).get((record, category))
            if wanted != frequency:
                changed[pk] = wanted
    if changed:
        field = DigestWindow._meta.get_field("frequency")
        windows.filter(pk__in=list(changed)).update(frequency=per_row(field, changed))
    return found


def _deactivate_records(
    token: uuid.UUID, rows: list[tuple[Notification, Settle]], context: RuleContext
) -> int:
    """One UPDATE: the records of rows still under the claim whose address is unchanged.

    Runs before the settle (which drops the claim); a record whose address was corrected
    since the batch was loaded stays active.
    """
    judged = {n.target_user_record_id: n.target_user_record.target_user_id for n, _ in rows}
    address = per_row(TargetUserRecord._meta.get_field("target_user_id"), judged)
    claimed = _guarded(token, [n.pk for n, _ in rows], context.using)
    records = TargetUserRecord.objects.using(context.using).filter(
        pk__in=claimed.values("target_user_record_id"), target_user_id=address, active=True
    )
    return records.update(active=False, modified_date=context.now)


def _settle(token, rows: list[tuple[Notification, Settle]], context: RuleContext) -> None:
    by_reason = {n.pk: d.reason for n, d in rows}
    field = Notification._meta.get_field("last_error")
    values = {
        "status": rows[0][1].status,
        "last_error": per_row(field, by_reason),
        **_released(context.now),
    }
    dead = [(n, d) for n, d in rows if d.deactivate_record]

    def write() -> None:
        with transaction.atomic(using=context.using):
            if dead:
                _deactivate_records(token, dead, context)
            _guarded(token, by_reason, context.using).update(**values)

    retry_if_locked(write)
    groups: dict[str, list] = defaultdict(list)
    for notification, decision in rows:
        groups[decision.reason].append(notification)
    for reason, notifications in groups.items():
        send_robust(
            notifications_settled,
            Notification,
            notifications=notifications,
            status=rows[0][1].status,
            reason=reason,
        )


def _reschedule(token, rows: list[tuple[Notification, Reschedule]], context: RuleContext) -> int:
    times = {n.pk: d.until for n, d in rows}
    field = Notification._meta.get_field("scheduled_delivery")
    values = {
        "status": Notification.SCHEDULED,
        "attempted_delivery": None,
        "scheduled_delivery": per_row(field, times),
        **_released(context.now),
    }
    return retry_if_locked(lambda: _guarded(token, times, context.using).update(**values))


def _hold(token, groups: dict[str, list[tuple[Notification, Hold]]], context: RuleContext):
    """Create the windows of every held row once, then one guarded UPDATE per summary key."""
    everything = [item for rows in groups.values() for item in rows]
    pairs = {(n.target_user_record_id, _category(n)) for n, _ in everything}
    frequencies: dict = {}
    for n, decision in everything:
        pair = (n.target_user_record_id, _category(n))
        if frequencies.get(pair) is None:
            frequencies[pair] = decision.frequency
    windows = retry_if_locked(lambda: window_ids(pairs, frequencies, context.using))
    window_field = Notification._meta.get_field("digest_window").target_field
    delivery = Notification._meta.get_field("scheduled_delivery")
    counts: Counter = Counter()
    for key, rows in groups.items():
        by_row = {n.pk: windows[(n.target_user_record_id, _category(n))] for n, _ in rows}
        until = {n.pk: d.until for n, d in rows if d.until is not None}
        values = {
            "status": Notification.HELD,
            "digest_window": per_row(window_field, by_row),
            "attempted_delivery": None,
            **_released(context.now),
        }
        if until:
            moved = per_row(delivery, until)
            if len(until) < len(by_row):  # the others keep theirs
                moved = Case(
                    When(pk__in=list(until), then=moved),
                    default=F("scheduled_delivery"),
                    output_field=delivery,
                )
            values["scheduled_delivery"] = moved
        guarded = _guarded(token, by_row, context.using)
        counts[key] += retry_if_locked(lambda g=guarded, v=values: g.update(**v))
    return counts


def write_decisions(
    token: uuid.UUID, decided: Sequence[tuple[Notification, Decision]], context: RuleContext
) -> Counter:
    """Write a batch's decisions; return the run summary's counts by summary key.

    One ``UPDATE`` per (kind, summary key), settles also per status, each guarded by
    ``claim_token=token, status=SENDING`` (plus one ``UPDATE`` of the target user records
    when settles ask to deactivate them); holds first create their windows (two or three
    queries for the whole batch). Settled rows are counted as decided (as the dispatcher
    always counted them) and ``notifications_settled`` is sent per (status, reason);
    rescheduled and held rows are counted as written.
    """
    groups: dict[tuple, list] = defaultdict(list)
    for notification, decision in decided:
        kind = type(decision)
        status = decision.status if kind is Settle else ""
        groups[(kind, status, decision.summary_key)].append((notification, decision))
    counts: Counter = Counter()
    holds: dict[str, list] = {}
    for (kind, _, key), rows in groups.items():
        if kind is Settle:
            _settle(token, rows, context)
            counts[key] += len(rows)
        elif kind is Reschedule:
            counts[key] += _reschedule(token, rows, context)
        elif kind is Hold:
            holds[key] = rows
        else:
            raise TypeError(f"not a decision: {kind.__name__}")
    if holds:
        counts.update(_hold(token, holds, context))
    if counts:
        logger.info("rules decided %d rows: %s", len(decided), dict(counts))
    return +counts
