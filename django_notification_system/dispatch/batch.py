"""One claimed batch, in three steps the run can overlap with other batches' steps.

``prepare`` (dispatcher thread, database): run the delivery-rule chain over the rows and
write its decisions (see :mod:`.rules_chain`), split the rest by channel, load users for
handlers that read them. ``start``: one handler call
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

from django.db import router
from django.db.models import prefetch_related_objects
from django.utils import timezone

from .. import conf
from ..models import Notification
from ..notification_handlers.base import NotSent, Outcome
from ..notification_handlers.problems import configuration_error_message
from ..signals import batch_recorded, notifications_settled, send_robust
from .decisions import RuleContext, write_decisions
from .locking import retry_if_locked
from .record import DeliveryResult, record_batch, release_unsent, settle, status_for
from .registry import CONFIGURATION_ERRORS, Handler, HandlerRegistry, NoHandler
from .rules_chain import RuleChain, RuleFailed
from .send import HandlerCall
from .summary import RunSummary

logger = logging.getLogger(__name__)

#: Summary key of rows handed back (as RETRY, attempt not counted) after a configuration error.
RELEASED = "RELEASED"
#: Summary key of rows handed back unsent, due again, because a delivery rule raised.
RELEASED_RULE_ERROR = "RELEASED (rule error)"
#: Summary key of rows whose provider call never started (the handler deadline came first).
NOT_STARTED = "NOT SENT (out of time)"


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
        self,
        token: uuid.UUID,
        registry: HandlerRegistry,
        summary: RunSummary,
        inline: bool,
        chain: RuleChain,
    ) -> None:
        self.token = token
        self.registry = registry
        self.chain = chain
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
        """Run the rule chain, write its decisions, split the rest by channel (dispatcher
        thread). A rule that raises hands the whole batch back unsent (see
        :meth:`release_after_rule_error`)."""
        self.pks = [n.pk for n in notifications]
        context = RuleContext(
            now=timezone.now(), using=router.db_for_write(Notification), claim_token=self.token
        )
        try:
            decided = self.chain.decide(notifications, context)
        except RuleFailed as exc:
            self.release_after_rule_error(notifications, exc)
            return
        if decided:
            self.summary.counts.update(write_decisions(self.token, decided, context))
        taken = {n.pk for n, _ in decided}
        for notification in notifications:
            if notification.pk not in taken:
                module_name = notification.target_user_record.target.notification_module_name
                self.to_send[module_name].append(notification)
        self.resolve_handlers()
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
            call.start(self.deadline, inline=self.inline)

    def wait(self) -> None:
        """Wait for every channel's outcomes (see :class:`HandlerCall` for how long)."""
        for module_name, call in self.calls.items():
            try:
                outcomes = call.outcomes()
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
        not_started: list = []
        for module_name, rows, outcomes in self.sent:
            pairs = list(zip(rows, outcomes, strict=True))
            not_started += [n.pk for n, o in pairs if isinstance(o, NotSent)]
            sent = [(n, o) for n, o in pairs if not isinstance(o, NotSent)]
            if sent:
                rows, outcomes = map(list, zip(*sent, strict=True))
                results.extend(_results(self.handlers[module_name], self.token, rows, outcomes))
        if not_started:
            self.release_not_started(not_started)
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

    def release_not_started(self, pks: list) -> None:
        """Rows whose provider call never started go back due now: no attempt counted, no
        ``DeliveryAttempt``, the lease dropped (as rows claimed ahead of a stopping run)."""
        released = release_unsent(self.token, pks, timezone.now())
        self.summary.counts[NOT_STARTED] += released
        logger.info("%d rows not sent before the handler deadline; due again", released)

    def release_after_rule_error(self, notifications: list, exc: RuleFailed) -> None:
        """A rule raised: hand every row back unsent, no attempt counted, due again now.

        Due at the release time, after the run's ``due_before``: another worker or the next
        run claims them at once, this run goes on with the next batch instead of taking the
        same rows again. The log names the rule and the error's type, never message data.
        """
        logger.error(
            "delivery rule %r raised %s; %d rows released unsent",
            exc.rule,
            type(exc.error).__name__,
            len(notifications),
            exc_info=exc.error,
        )
        self.summary.rule_errors.setdefault(exc.rule, f"raised {type(exc.error).__name__}")
        now = timezone.now()
        released = release_unsent(self.token, self.pks, now, due=now)
        self.summary.counts[RELEASED_RULE_ERROR] += released

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
