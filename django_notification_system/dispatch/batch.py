"""One claimed batch, in three steps the run can overlap with other batches' steps.

``prepare`` (dispatcher thread, database): split the rows by channel, settle those that
must not be sent, load users for handlers that read them. ``start``: one handler call
per channel, each on its own thread, so a slow channel does not hold up the others.
``wait`` for the calls (until the handler timeout at most), then ``record`` every
outcome in one short transaction. No transaction is open on the dispatcher's thread
when a handler call starts or ends within the same batch; another batch's short claim
or record may run meanwhile.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict

from django.db.models import prefetch_related_objects
from django.utils import timezone

from .. import conf, digests
from ..models import Notification
from ..notification_handlers.base import Outcome
from ..notification_handlers.problems import configuration_error_message
from ..preferences.dispatch import disabled_by_preference
from ..quiet_hours.hold import HELD, hold_for_quiet_hours
from ..signals import batch_recorded, notifications_settled, send_robust
from .locking import retry_if_locked
from .record import DeliveryResult, record_batch, release_unsent, settle, status_for
from .registry import CONFIGURATION_ERRORS, Handler, HandlerRegistry, NoHandler
from .send import HandlerCall
from .summary import RunSummary

logger = logging.getLogger(__name__)

OPTED_OUT_REASON = "The user opted out of notifications."
INACTIVE_REASON = "The target user record is inactive."
#: Summary key of rows handed back (as RETRY, attempt not counted) after a configuration error.
RELEASED = "RELEASED"


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


class Batch:
    """One claimed batch: split it, settle what must not be sent, send by channel, record."""

    def __init__(
        self, token: uuid.UUID, registry: HandlerRegistry, summary: RunSummary, inline: bool
    ) -> None:
        self.token = token
        self.registry = registry
        self.summary = summary
        self.inline = inline
        self.pks: list = []
        self.to_settle: dict[tuple[str, str], list] = defaultdict(list)
        self.to_send: dict[str, list] = defaultdict(list)
        self.handlers: dict[str, Handler] = {}
        self.calls: dict[str, HandlerCall] = {}
        self.deadline = 0.0
        self.started = False
        self.sent: list[tuple[str, list, list[Outcome]]] = []
        self.misconfigured: list[tuple[str, list, BaseException]] = []

    def prepare(self, notifications: list[Notification]) -> None:
        """Split by channel and settle what must not be sent (dispatcher thread)."""
        self.pks = [n.pk for n in notifications]
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
        for module_name, rows in self.to_send.items():
            if self.handlers[module_name].needs_user:
                prefetch_related_objects([n.target_user_record for n in rows], "user")

    def start(self) -> None:
        """Start one handler call per channel; they all share one deadline."""
        self.started = True
        self.deadline = time.monotonic() + conf.handler_timeout()
        for module_name, rows in self.to_send.items():
            self.registry.begin_run(self.handlers[module_name])
            call = HandlerCall(self.handlers[module_name], rows)
            self.calls[module_name] = call
            call.start(inline=self.inline)

    def wait(self) -> None:
        """Wait for every channel's outcomes (until the shared deadline at most)."""
        for module_name, call in self.calls.items():
            try:
                outcomes = call.outcomes(self.deadline)
            except CONFIGURATION_ERRORS as exc:
                self.misconfigured.append((module_name, call.notifications, exc))
                continue
            if call.interrupt is not None and self.summary.interrupt is None:
                self.summary.interrupt = call.interrupt
            self.sent.append((module_name, call.notifications, outcomes))

    def record(self) -> None:
        """Record every outcome of the batch in one short transaction (dispatcher thread)."""
        for module_name, rows, exc in self.misconfigured:
            self.release(module_name, rows, exc)
        results: list[DeliveryResult] = []
        for module_name, rows, outcomes in self.sent:
            results.extend(_results(self.handlers[module_name], self.token, rows, outcomes))
        if results:
            counts, lost = record_batch(self.token, results, timezone.now())
            self.summary.counts.update(counts)
            self.summary.lease_lost += lost
            send_robust(batch_recorded, Notification, results=results, claim_token=self.token)

    def release_unsent(self) -> None:
        """Hand the rows back unsent (the run stops before sending this batch)."""
        pks = [n.pk for rows in self.to_send.values() for n in rows]
        released = release_unsent(self.token, pks, timezone.now()) if pks else 0
        self.summary.released_unsent += released
        self.summary.claimed -= len(pks)

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
