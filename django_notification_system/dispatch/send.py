"""Call a channel's handler for its share of a batch and get one outcome per notification.

A ``ChannelHandler`` gets the batch's deadline and starts no provider call that could end
after it; the dispatcher waits for the calls it started (their length is bounded by the
provider timeout), so every answer the provider gave is recorded, and rows whose call never
started come back ``NotSent``. Nothing of the handler keeps sending once the batch is
recorded.

Any other handler module (``send_batch``, 1.5.3's ``send_notification``) knows no deadline:
it is waited for until ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` at most, then abandoned and its
rows recorded as RETRY. The risk: its thread may still be sending, so a message the provider
accepts after that is sent again by a later run. Whatever the handler does, the dispatcher
gets an answer it can record: an exception, a ``KeyboardInterrupt``/``SystemExit``, a hang or
a malformed answer all become ``Retry`` outcomes with the reason. Only configuration errors
propagate (reported by name, never retried). Each call runs on threads of its own, so the
channels of a batch are sent side by side and the dispatcher's thread stays free for
database work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections

from .. import conf
from ..notification_handlers.base import OUTCOME_TYPES, Outcome, Retry
from ..notification_handlers.channel import BatchSend
from ..notification_handlers.errors import log_failure
from .registry import CONFIGURATION_ERRORS, Handler, InterruptedAfter

logger = logging.getLogger(__name__)

#: What a handler may raise that would stop the process if it reached the dispatcher.
INTERRUPTS = (KeyboardInterrupt, SystemExit)


class HandlerTimeout(Exception):
    """A handler did not answer within ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` seconds."""


@dataclass(frozen=True)
class Interrupt:
    """A handler raised ``KeyboardInterrupt`` or ``SystemExit``; honoured after recording."""

    module_name: str
    exception: BaseException

    @property
    def exit_code(self) -> int:
        """Non-zero always: 130 for KeyboardInterrupt, the exit code for ``sys.exit(n)``."""
        if isinstance(self.exception, KeyboardInterrupt):
            return 130
        code = getattr(self.exception, "code", None)
        return code if isinstance(code, int) and not isinstance(code, bool) and code else 1

    def line(self) -> str:
        """The one line the command prints (no arguments: they may carry message data)."""
        return (
            f"handler '{self.module_name}' raised {type(self.exception).__name__}; "
            "its rows were recorded as RETRY"
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"handler raised SystemExit (exit code {exc.code!r})"
    return f"handler raised {type(exc).__name__}: {exc}"


class HandlerCall:
    """One handler call for one channel's rows of a batch.

    ``start(deadline)`` runs it on threads of its own (or on the calling thread with
    ``inline=True``, inside a caller's transaction); ``outcomes()`` waits for it.

    A ``ChannelHandler`` is waited for until its started calls end: they end by the
    deadline, since none starts later than one provider timeout before it; a hook that
    ignores its timeout is given one more timeout, then only its calls still running are
    answered ``Retry``. Any other handler is waited for until the deadline; one still
    running then is abandoned: its late answer is discarded, and since its rows are recorded
    as RETRY and lose this run's claim token, nothing it does afterwards through the
    dispatcher can overwrite them.
    """

    def __init__(self, handler: Handler, notifications: Sequence) -> None:
        self.handler = handler
        self.notifications = list(notifications)
        self.interrupt: Interrupt | None = None
        self._answer: dict = {}
        self._thread: threading.Thread | None = None
        self._pipeline: BatchSend | None = None
        self._deadline = 0.0

    def start(self, deadline: float, inline: bool = False) -> None:
        """Start the call; ``deadline`` (monotonic) is when the batch's time is up."""
        self._deadline = deadline
        if self.handler.channel is not None:
            self._start_pipeline(inline)
            return
        if inline:
            self._call(own_thread=False)
            return
        self._thread = threading.Thread(
            target=self._call, name=f"dns-{self.handler.module_name}", daemon=True
        )
        self._thread.start()

    def _start_pipeline(self, inline: bool) -> None:
        try:
            self._pipeline = BatchSend(self.handler.channel, self.notifications, self._deadline)
            if inline:
                self._pipeline.run()
            else:
                self._pipeline.start()
        except BaseException as exc:
            self._pipeline = None
            self._answer["error"] = exc

    def _pipeline_outcomes(self) -> list[Outcome]:
        pipeline = self._pipeline
        if not pipeline.wait(until=self._deadline + pipeline.options.timeout):
            logger.error(
                "handler %r: a provider call outlived its timeout; its rows go to RETRY",
                self.handler.module_name,
            )
        try:
            answer = pipeline.outcomes()
        except BaseException as exc:
            return self._failed(exc)
        return validated(self.handler.module_name, answer, len(self.notifications))

    def _call(self, own_thread: bool = True) -> None:
        try:
            self._answer["result"] = self.handler.send(self.notifications)
        except BaseException as exc:
            self._answer["error"] = exc
        finally:
            if own_thread:
                connections.close_all()  # this thread's connections, if the handler opened any

    def outcomes(self) -> list[Outcome]:
        """One outcome per notification; configuration errors are raised."""
        name, count = self.handler.module_name, len(self.notifications)
        if self._pipeline is not None:
            return self._pipeline_outcomes()
        if self._thread is not None:
            self._thread.join(max(0.0, self._deadline - time.monotonic()))
            if self._thread.is_alive():
                exc = HandlerTimeout(f"handler {name!r} did not answer in time")
                logger.error("%s; %d rows go to RETRY", exc, count)
                return [Retry(error=str(exc))] * count
        error = self._answer.get("error")
        if error is not None:
            return self._failed(error)
        return validated(name, self._answer.get("result"), count)

    def _failed(self, exc: BaseException) -> list[Outcome]:
        name, count = self.handler.module_name, len(self.notifications)
        if isinstance(exc, CONFIGURATION_ERRORS):
            raise exc
        if isinstance(exc, InterruptedAfter):  # a 1.5.3-style handler, part-way through
            self.interrupt = Interrupt(name, exc.exception)
            logger.info("handler %r raised %s part-way through a batch", name, exc)
            return validated(name, exc.outcomes, count)
        if isinstance(exc, INTERRUPTS):
            self.interrupt = Interrupt(name, exc)
            # info, not error: the caller reports it (the command prints one line).
            logger.info(
                "handler %r raised %s; %d rows go to RETRY and the run stops after recording",
                name,
                type(exc).__name__,
                count,
            )
        else:
            log_failure(logger, "handler %r raised; %d rows go to RETRY", name, count, exc=exc)
        return [Retry(error=_reason(exc))] * count


def validated(module_name: str, answer, count: int) -> list[Outcome]:
    """The handler's answer as ``count`` outcomes: a malformed answer is a Retry for all,
    an item that is not an Outcome a Retry for its row."""
    if not isinstance(answer, (list, tuple)) or len(answer) != count:
        logger.error(
            "handler %r returned %s for %d notifications; rows go to RETRY",
            module_name,
            f"{len(answer)} outcomes" if isinstance(answer, (list, tuple)) else "no list",
            count,
        )
        return [Retry(error="handler returned a malformed result")] * count
    garbage = sum(1 for o in answer if not isinstance(o, OUTCOME_TYPES))
    if garbage:
        logger.error("handler %r returned %d items that are not outcomes", module_name, garbage)
    bad = Retry(error="handler returned something that is not an outcome")
    return [o if isinstance(o, OUTCOME_TYPES) else bad for o in answer]


def send_with_handler(
    handler: Handler, notifications: Sequence, timeout: float | None = None
) -> list[Outcome]:
    """Call ``handler`` on a thread and wait at most ``timeout`` seconds (one channel, alone)."""
    call = HandlerCall(handler, notifications)
    call.start(time.monotonic() + (timeout or conf.handler_timeout()))
    return call.outcomes()
