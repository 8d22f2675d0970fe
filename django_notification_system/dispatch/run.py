"""The dispatch loop: claim a batch, settle what must not be sent, send, record, repeat.

``process_notifications`` is the one function the management command wraps; Celery
tasks or views can call it the same way. No database transaction is open while a
handler runs: each handler call runs in a worker thread, outside every transaction,
with ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` seconds to answer. Called inside the
caller's transaction, handlers run on the calling thread instead (see
:mod:`.caller_transaction`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections
from django.db.models import Count, prefetch_related_objects
from django.utils import timezone

from .. import conf, digests
from ..configuration import configuration_error_message, handler_problems
from ..models import Notification
from ..notification_handlers.base import OUTCOME_TYPES, Outcome, Retry
from ..notification_handlers.errors import log_failure
from ..preferences.dispatch import disabled_by_preference
from ..quiet_hours.hold import HELD, hold_for_quiet_hours
from ..signals import batch_recorded, notifications_settled, send_robust
from .caller_transaction import caller_holds_transaction
from .claim import claim_batch, due_notifications
from .load import claimed_notifications
from .locking import retry_if_locked
from .record import DeliveryResult, record_batch, record_kept_batches, settle, status_for
from .registry import CONFIGURATION_ERRORS, Handler, HandlerRegistry, NoHandler

logger = logging.getLogger(__name__)

OPTED_OUT_REASON = "The user opted out of notifications."
INACTIVE_REASON = "The target user record is inactive."
#: Summary key of rows handed back (as RETRY, attempt not counted) after a configuration error.
RELEASED = "RELEASED"


@dataclass
class RunSummary:
    """Counts of one run: rows per resulting status, plus what stopped a channel."""

    counts: Counter = field(default_factory=Counter)
    claimed: int = 0
    batches: int = 0
    lease_lost: int = 0
    configuration_errors: dict[str, str] = field(default_factory=dict)
    due: Counter = field(default_factory=Counter)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """One line per outcome, counts only."""
        if self.dry_run:
            return [f"due ({module}): {count}" for module, count in sorted(self.due.items())] or [
                "due: 0"
            ]
        lines = [f"{status.lower()}: {count}" for status, count in sorted(self.counts.items())]
        if self.lease_lost:
            lines.append(f"lease lost before recording: {self.lease_lost}")
        return lines or ["nothing due"]


class HandlerTimeout(Exception):
    """A handler did not answer within ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` seconds."""


def _run_in_thread(handler: Handler, notifications: list, timeout: float):
    """Call the handler in a daemon thread and wait at most ``timeout`` seconds.

    A call still running after that is abandoned: its late result is discarded, and
    since its rows are recorded as RETRY and lose this run's claim token, nothing it
    does afterwards through the dispatcher can overwrite them.
    """
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = handler.send(notifications)
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()  # this thread's connections, if the handler opened any

    thread = threading.Thread(target=target, name=f"dns-{handler.module_name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise HandlerTimeout(f"handler {handler.module_name!r} timed out after {timeout}s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def send_with_handler(handler: Handler, notifications: list) -> list[Outcome]:
    """One outcome per notification, whatever the handler does (except misconfiguration).

    An exception, a timeout or a wrong-length answer is a Retry for the whole group; an
    answer item that is not an Outcome is a Retry for that row. Configuration errors
    propagate: they are reported by name, never retried.
    """
    count = len(notifications)
    try:
        if caller_holds_transaction():
            outcomes = handler.send(notifications)  # on the caller's connection, no timeout
        else:
            outcomes = _run_in_thread(handler, notifications, conf.handler_timeout())
    except CONFIGURATION_ERRORS:
        raise
    except HandlerTimeout as exc:
        logger.error("%s; %d rows go to RETRY", exc, count)
        return [Retry(error=str(exc))] * count
    except Exception as exc:
        log_failure(
            logger, "handler %r raised; %d rows go to RETRY", handler.module_name, count, exc=exc
        )
        return [Retry(error=f"handler raised {type(exc).__name__}: {exc}")] * count
    if not isinstance(outcomes, (list, tuple)) or len(outcomes) != count:
        logger.error(
            "handler %r returned %s for %d notifications; rows go to RETRY",
            handler.module_name,
            f"{len(outcomes)} outcomes" if isinstance(outcomes, (list, tuple)) else "no list",
            count,
        )
        return [Retry(error="handler returned a malformed result")] * count
    garbage = sum(1 for o in outcomes if not isinstance(o, OUTCOME_TYPES))
    if garbage:
        logger.error(
            "handler %r returned %d items that are not outcomes", handler.module_name, garbage
        )
    bad = Retry(error="handler returned something that is not an outcome")
    return [o if isinstance(o, OUTCOME_TYPES) else bad for o in outcomes]


def _saved_by_handler(token: uuid.UUID, notifications: list) -> dict:
    """Statuses a 1.5.3-style handler saved itself (rows no longer SENDING under our token)."""
    pks = [n.pk for n in notifications]
    query = (
        Notification.objects.filter(pk__in=pks)
        .exclude(status=Notification.SENDING, claim_token=token)
        .values_list("pk", "status")
    )
    return retry_if_locked(lambda: dict(query))


def _results(handler: Handler, token, notifications: list, outcomes: list) -> list:
    saved = _saved_by_handler(token, notifications) if handler.legacy else {}
    return [
        DeliveryResult(n, o, saved[n.pk], settled_by_handler=True)
        if n.pk in saved
        else DeliveryResult(n, o, status_for(n, o))
        for n, o in zip(notifications, outcomes, strict=True)
    ]


class _Batch:
    """One claimed batch: split it, settle what must not be sent, send by channel, record."""

    def __init__(self, token, registry: HandlerRegistry, summary: RunSummary) -> None:
        self.token = token
        self.registry = registry
        self.summary = summary
        self.to_settle: dict[tuple[str, str], list] = defaultdict(list)
        self.to_send: dict[str, list] = defaultdict(list)
        self.handlers: dict[str, Handler] = {}

    def run(self, notifications: list[Notification]) -> None:
        self.split(notifications)
        if held := hold_for_quiet_hours(self.token, self.to_send, timezone.now()):
            self.summary.counts[HELD] += held
        if held := digests.hold_for_digests(self.token, self.to_send, timezone.now()):
            self.summary.counts[digests.HELD_FOR_DIGEST] += held
        self.summary.counts.update(
            digests.apply_throttles(self.token, self.to_send, self.to_settle, timezone.now())
        )
        self.resolve_handlers()
        for (status, reason), rows in self.to_settle.items():
            self.settle(rows, status, reason)
        results: list[DeliveryResult] = []
        for module_name, rows in self.to_send.items():
            if self.handlers[module_name].needs_user:
                prefetch_related_objects([n.target_user_record for n in rows], "user")
            try:
                outcomes = send_with_handler(self.handlers[module_name], rows)
            except CONFIGURATION_ERRORS as exc:
                self.release(module_name, rows, exc)
                continue
            results.extend(_results(self.handlers[module_name], self.token, rows, outcomes))
        if results:
            counts, lost = record_batch(self.token, results, timezone.now())
            self.summary.counts.update(counts)
            self.summary.lease_lost += lost
            send_robust(batch_recorded, Notification, results=results, claim_token=self.token)

    def split(self, notifications: list[Notification]) -> None:
        turned_off = disabled_by_preference(notifications)  # pk -> reason, one query
        for notification in notifications:
            record = notification.target_user_record
            if notification.user_opted_out:
                self.to_settle[(Notification.OPTED_OUT, OPTED_OUT_REASON)].append(notification)
            elif notification.pk in turned_off:
                reason = turned_off[notification.pk]
                self.to_settle[(Notification.OPTED_OUT, reason)].append(notification)
            elif not record.active:
                self.to_settle[(Notification.INACTIVE_DEVICE, INACTIVE_REASON)].append(
                    notification
                )
            else:
                self.to_send[record.target.notification_module_name].append(notification)

    def resolve_handlers(self) -> None:
        for module_name in list(self.to_send):
            try:
                handler = self.registry.get(module_name)
            except CONFIGURATION_ERRORS as exc:
                self.release(module_name, self.to_send.pop(module_name), exc)
                continue
            if handler is None:
                self.release(module_name, self.to_send.pop(module_name), NoHandler(module_name))
            else:
                self.handlers[module_name] = handler

    def settle(self, rows: list, status: str, reason: str, key: str | None = None) -> None:
        settle(self.token, rows, status, reason, timezone.now())
        self.summary.counts[key or status] += len(rows)
        send_robust(
            notifications_settled, Notification, notifications=rows, status=status, reason=reason
        )

    def release(self, module_name: str, rows: list, exc: BaseException) -> None:
        """A configuration error: hand the rows back as RETRY (no attempt counted)."""
        message = configuration_error_message(module_name, exc)
        self.summary.configuration_errors[module_name] = message
        # The caller reports the error itself (RunSummary.configuration_errors); logging it
        # here too would print it twice per run and once per --loop pass.
        logger.info("configuration error in handler %r; %d rows released", module_name, len(rows))
        reason = f"configuration error in handler '{module_name}': {message}"
        self.settle(rows, Notification.RETRY, reason, key=RELEASED)


def _dry_run(summary: RunSummary, registry: HandlerRegistry, due_before, targets) -> RunSummary:
    module = "target_user_record__target__notification_module_name"
    rows = (
        due_notifications(due_before, timezone.now(), targets)
        .values_list(module)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for module_name, count in rows:
        problems = handler_problems(module_name)
        if problems:
            summary.configuration_errors[module_name] = "; ".join(problems)
        label = f"{module_name}, no usable handler" if problems else module_name
        summary.due[label] += count
    return summary


def process_notifications(
    *,
    batch_size: int | None = None,
    limit: int | None = None,
    targets: Sequence[str] | None = None,
    dry_run: bool = False,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Deliver due notifications batch by batch until none are left (or ``limit`` rows).

    ``targets`` restricts the run to target names or module names. ``dry_run`` only
    counts due rows per channel. ``should_stop`` is asked before each batch (the command
    wires SIGTERM/SIGINT to it); ``on_batch`` is called after each batch (progress).
    Rows scheduled after the run started wait for the next run, so a RETRY with no
    delay is not retried within the same run. Called inside a transaction (a
    ``TestCase``, ``ATOMIC_REQUESTS``, ``atomic()``), handlers run on the calling thread
    and connection, so they see (and may save) the caller's uncommitted rows; nothing is
    committed until the caller's transaction ends and the handler timeout is not enforced.
    """
    size = batch_size or conf.batch_size()
    lease = timedelta(seconds=conf.lease_seconds())
    flushed = Counter() if dry_run else digests.before_run(size, lease, targets)
    due_before = timezone.now()
    registry = HandlerRegistry()
    target_cache: dict = {}
    summary = RunSummary(dry_run=dry_run)
    summary.counts.update(flushed)
    if dry_run:
        return _dry_run(summary, registry, due_before, targets)
    counts, summary.lease_lost = record_kept_batches(due_before)  # sent before an outage
    summary.counts.update(counts)
    while limit is None or summary.claimed < limit:
        if should_stop is not None and should_stop():
            break
        wanted = size if limit is None else min(size, limit - summary.claimed)
        claimed = _claim(wanted, due_before, lease, targets, summary)
        if claimed is None:
            break
        token, claimed_at, count = claimed
        summary.claimed += count
        summary.batches += 1
        notifications = claimed_notifications(token, claimed_at, target_cache)
        _Batch(token, registry, summary).run(notifications)
        if on_batch is not None:
            on_batch(summary)
    summary.counts.update(digests.after_run())
    return summary


def _claim(
    size: int, due_before: datetime, lease: timedelta, targets, summary: RunSummary
) -> tuple[uuid.UUID, datetime, int] | None:
    token, now = uuid.uuid4(), timezone.now()
    count = claim_batch(
        token,
        size,
        due_before=due_before,
        now=now,
        lease=lease,
        targets=targets,
        exclude_modules=list(summary.configuration_errors),
    )
    return (token, now, count) if count else None
