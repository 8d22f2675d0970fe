"""The dispatch loop: claim a batch, run the delivery rules, send, record, repeat.

``process_notifications`` is the one function the management command wraps; Celery
tasks or views can call it the same way. The database work overlaps the send: while
batch N is with the handlers (one thread per channel), the dispatcher's thread records
batch N-1 and claims and loads batch N+1, each in its own short transaction. No
transaction spans a handler call, and at most one batch is claimed ahead, so memory
stays flat and a crash strands at most two batches' leases (they come back when the
lease expires). Inside a caller's transaction everything runs in order on the calling
thread and connection (see :mod:`.caller_transaction`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import router
from django.db.models import Count
from django.utils import timezone

from .. import conf
from ..models import Notification
from ..notification_handlers.problems import handler_problems
from .batch import RELEASED, RELEASED_RULE_ERROR, Batch
from .caller_transaction import caller_holds_transaction
from .claim import claim_batch, due_notifications
from .decisions import RuleContext
from .load import claimed_notifications
from .record import record_kept_batches
from .registry import HandlerRegistry
from .rules_chain import SETTING, RuleChain
from .send import HandlerTimeout, send_with_handler
from .summary import RunSummary

logger = logging.getLogger(__name__)

__all__ = [
    "RELEASED",
    "RELEASED_RULE_ERROR",
    "HandlerTimeout",
    "RunSummary",
    "process_notifications",
    "send_with_handler",
]


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
    counts due rows per channel. ``should_stop`` is asked before each claim (the command
    wires SIGTERM/SIGINT to it): the batch being sent is finished and recorded, a batch
    claimed ahead is handed back unsent. ``on_batch`` is called after each batch is
    recorded (progress). A handler raising ``KeyboardInterrupt`` or ``SystemExit`` stops
    the run the same way once its rows are recorded as RETRY; ``summary.interrupt`` names
    it. Rows scheduled after the run started wait for the next run, so a RETRY with no
    delay is not retried within the same run. Called inside a transaction (a
    ``TestCase``, ``ATOMIC_REQUESTS``, ``atomic()``), every step runs in order on the
    calling thread and connection, handlers included, so they see (and may save) the
    caller's uncommitted rows; nothing is committed until the caller's transaction ends
    and the handler timeout is not enforced (see :mod:`.caller_transaction`).
    """
    summary = RunSummary(dry_run=dry_run)
    registry = HandlerRegistry()
    try:
        _run(summary, registry, batch_size, limit, targets, dry_run, should_stop, on_batch)
    finally:
        registry.end_run()  # handlers close what they kept open for the run
    return summary


def _run(summary, registry, batch_size, limit, targets, dry_run, should_stop, on_batch) -> None:
    if dry_run:
        _dry_run(summary, registry, timezone.now(), targets)
        return
    size = batch_size or conf.batch_size()
    lease = timedelta(seconds=conf.lease_seconds())
    try:
        chain = RuleChain.load()  # once per run
    except ImproperlyConfigured as exc:
        logger.error("no run: %s", exc)
        summary.rule_errors[SETTING] = str(exc)
        return
    summary.counts.update(
        chain.run_hook("before_run", _run_context(size, lease, targets), summary.rule_errors)
    )
    due_before = timezone.now()
    counts, lost = record_kept_batches(due_before)  # sent before a database outage
    summary.counts.update(counts)
    summary.lease_lost += lost
    claims = _Claims(
        size=size,
        limit=limit,
        due_before=due_before,
        lease=lease,
        targets=targets,
        registry=registry,
        summary=summary,
        should_stop=should_stop,
        inline=caller_holds_transaction(),
        chain=chain,
    )
    if claims.inline:
        _run_in_order(claims, on_batch)
    else:
        _run_overlapped(claims, on_batch)
    summary.counts.update(
        chain.run_hook("after_run", _run_context(size, lease, targets), summary.rule_errors)
    )


def _run_context(size: int, lease: timedelta, targets) -> RuleContext:
    """The context of a rule's ``before_run``/``after_run`` hook: the run's own settings."""
    return RuleContext(
        now=timezone.now(),
        using=router.db_for_write(Notification),
        batch_size=size,
        lease=lease,
        targets=tuple(targets) if targets else None,
    )


class _Claims:
    """Claims, loads and prepares the run's next batch, or says the run is over."""

    def __init__(
        self,
        *,
        size,
        limit,
        due_before,
        lease,
        targets,
        registry,
        summary,
        should_stop,
        inline,
        chain,
    ) -> None:
        self.size, self.limit, self.due_before, self.lease = size, limit, due_before, lease
        self.targets, self.registry, self.summary = targets, registry, summary
        self.should_stop, self.inline, self.chain = should_stop, inline, chain
        self.exhausted = False
        self.target_cache: dict = {}

    def stopping(self) -> bool:
        """Asked before claiming and before sending a batch claimed ahead."""
        if self.summary.interrupt is not None:
            return True
        return self.should_stop is not None and bool(self.should_stop())

    def next(self) -> Batch | None:
        summary = self.summary
        if self.exhausted or self.stopping():
            return None
        if self.limit is not None and summary.claimed >= self.limit:
            return None
        wanted = self.size if self.limit is None else min(self.size, self.limit - summary.claimed)
        token, now = uuid.uuid4(), timezone.now()
        count = claim_batch(
            token,
            wanted,
            due_before=self.due_before,
            now=now,
            lease=self.lease,
            targets=self.targets,
            exclude_modules=list(summary.configuration_errors),
        )
        if not count:
            self.exhausted = True
            return None
        summary.claimed += count
        summary.batches += 1
        batch = Batch(token, self.registry, summary, inline=self.inline, chain=self.chain)
        batch.prepare(claimed_notifications(token, now, self.target_cache))
        return batch


def _run_in_order(claims: _Claims, on_batch) -> None:
    """Claim, send, record, one batch after the other on the calling thread."""
    while (batch := claims.next()) is not None:
        batch.start()
        batch.wait()
        batch.record()
        if on_batch is not None:
            on_batch(claims.summary)


def _run_overlapped(claims: _Claims, on_batch) -> None:
    """Send batch N while recording N-1 and claiming N+1 on this thread.

    Each turn: start N's handler calls; record N-1 (whose calls have answered); claim
    and prepare N+1; wait for N. Only one batch is being sent at a time, so each
    channel's own concurrency bound holds. A batch claimed ahead is handed back unsent
    if the run stops before its turn; an error on this thread hands back what was not
    started and leaves the batch being sent to its lease.
    """
    previous: Batch | None = None  # sent, not yet recorded
    current = claims.next()  # claimed, about to be sent
    following: Batch | None = None
    try:
        while current is not None or previous is not None:
            if current is not None and claims.stopping():
                current.release_unsent()  # claimed ahead; the run stops before its turn
                current = None
            if current is not None:
                current.start()
            if previous is not None:
                previous.record()
                if on_batch is not None:
                    on_batch(claims.summary)
            following = claims.next() if current is not None else None
            if current is not None:
                current.wait()
            previous, current, following = current, following, None
    except Exception:
        for batch in (current, following):
            if batch is not None and not batch.started:
                _release_quietly(batch)
        if current is not None and current.started:
            _record_quietly(current)
        raise
    except BaseException:  # a second Ctrl-C: stop now, the leases bring the rows back
        for batch in (current, following):
            if batch is not None and not batch.started:
                _release_quietly(batch)
        raise


def _record_quietly(batch: Batch) -> None:
    """Record a batch being sent when this thread failed (e.g. the database went away).

    Its outcomes are recorded, or kept in memory to record after reconnecting (see
    :func:`.record.record_kept_batches`), so a survived outage costs no re-send.
    """
    try:
        batch.wait()
        batch.record()
    except Exception:
        logger.info("the batch being sent could not be recorded now", exc_info=False)


def _release_quietly(batch: Batch) -> None:
    try:
        batch.release_unsent()
    except Exception:
        logger.exception("could not hand back a batch claimed ahead; its lease will expire")


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
