"""Resolve a channel's handler once per run, and adapt 1.5.3-style handler modules.

A module whose ``Handler`` is a :class:`~..notification_handlers.base.ChannelHandler`
subclass is run through that class's pipeline (concurrency, rate limit, the deadline), and
is preferred over anything else the module has. Otherwise a module exposes
``send_batch(notifications) -> list[Outcome]``, or, 1.5.3-style,
module exposes only ``send_notification(notification)``; it is called once per
notification, may set ``status`` and ``save()`` itself, and its return value is just a
message. The adapter turns what it did into an outcome; the dispatcher then respects
any status such a handler saved (see :func:`outcome_from_status`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from ..models import Notification
from ..notification_handlers.base import (
    ChannelHandler,
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Outcome,
    Retry,
)
from ..notification_handlers.errors import log_failure
from ..notification_handlers.loading import find_module

logger = logging.getLogger(__name__)

#: Errors that mean "fix the configuration", never "try again later".
CONFIGURATION_ERRORS = (ImproperlyConfigured, ImportError)


@dataclass(frozen=True)
class Handler:
    """A resolved handler: ``send(notifications)`` returns one outcome per notification."""

    module_name: str
    send: Callable[[Sequence[Notification]], list]
    legacy: bool = False
    #: Whether the handler may read ``notification.target_user_record.user``; the
    #: dispatcher then loads the batch's users in one query. Modules opt out with
    #: ``NEEDS_USER = False`` (the built-in handlers read only the record's address).
    needs_user: bool = True
    #: The module's optional ``begin_run()``/``end_run()``: called once when a run first
    #: uses the handler and once when the run ends (e.g. to keep connections open between).
    begin_run: Callable[[], None] | None = None
    end_run: Callable[[], None] | None = None
    #: The module's ``Handler`` class, when it is a ``ChannelHandler``: the dispatcher then
    #: gives it the batch's deadline and waits for the calls it started.
    channel: type[ChannelHandler] | None = None


def outcome_from_status(notification: Notification) -> Outcome:
    """The outcome a 1.5.3-style handler expressed by setting ``notification.status``.

    A handler that returned normally without touching the status delivered it.
    """
    status = notification.status
    error = notification.last_error or f"handler set status {status}"
    if status in (Notification.SENDING, Notification.DELIVERED):
        return Delivered(provider_message_id=notification.provider_message_id or "")
    if status == Notification.DELIVERY_FAILURE:
        return Failed(error)
    if status == Notification.INACTIVE_DEVICE:
        return InactiveAddress(error)
    if status == Notification.OPTED_OUT:
        return OptedOut(error)
    return Retry(error)


class InterruptedAfter(Exception):
    """A 1.5.3-style handler raised ``KeyboardInterrupt``/``SystemExit`` part-way through.

    Carries the outcomes of the whole batch (the rows sent before keep theirs; the
    interrupted row and the rest are retried) and the original exception, which the
    dispatcher honours once the batch is recorded.
    """

    def __init__(self, exception: BaseException, outcomes: list[Outcome]) -> None:
        super().__init__(f"handler raised {type(exception).__name__}")
        self.exception = exception
        self.outcomes = outcomes


def legacy_send_batch(send_notification: Callable) -> Callable[[Sequence[Notification]], list]:
    """Wrap a 1.5.3 ``send_notification`` as a ``send_batch``."""

    def send_batch(notifications: Sequence[Notification]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for notification in notifications:
            try:
                send_notification(notification)
            except CONFIGURATION_ERRORS:
                raise
            except (KeyboardInterrupt, SystemExit) as exc:
                reason = Retry(error=f"handler raised {type(exc).__name__}")
                outcomes.extend([reason] * (len(notifications) - len(outcomes)))
                raise InterruptedAfter(exc, outcomes) from exc
            except Exception as exc:
                log_failure(
                    logger,
                    "legacy handler raised for notification %s",
                    notification.pk,
                    exc=exc,
                    known=(notification.title, notification.body),
                )
                outcomes.append(Retry(error=f"{type(exc).__name__}: {exc}"))
            else:
                outcomes.append(outcome_from_status(notification))
        return outcomes

    return send_batch


class HandlerRegistry:
    """Resolves each ``notification_module_name`` once and remembers the answer.

    ``get`` returns ``None`` for a name nothing provides, and re-raises the same
    configuration error (a broken import, a bad setting) every time it is asked again.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, Handler | BaseException | None] = {}
        self._begun: list[Handler] = []

    def get(self, module_name: str) -> Handler | None:
        if module_name not in self._handlers:
            try:
                self._handlers[module_name] = self._resolve(module_name)
            except CONFIGURATION_ERRORS as exc:
                self._handlers[module_name] = exc
            except Exception as exc:  # a SyntaxError or NameError at import: fix the module
                broken = ImproperlyConfigured(
                    f"handler module {module_name!r} failed to import: {type(exc).__name__}: {exc}"
                )
                broken.__cause__ = exc
                self._handlers[module_name] = broken
        found = self._handlers[module_name]
        if isinstance(found, BaseException):
            raise found
        return found

    def begin_run(self, handler: Handler) -> None:
        """Before a run's first call of ``handler``: its ``begin_run()``, once per run."""
        if handler in self._begun:
            return
        self._begun.append(handler)
        if handler.begin_run is not None:
            handler.begin_run()

    def end_run(self) -> None:
        """Tell every handler this run used that the run is over (errors are logged)."""
        begun, self._begun = self._begun, []
        for handler in begun:
            if handler.end_run is None:
                continue
            try:
                handler.end_run()
            except Exception:
                logger.exception("end_run of handler %r failed", handler.module_name)

    @staticmethod
    def _resolve(module_name: str) -> Handler | None:
        module = find_module(module_name, "handlers")
        if module is None:
            return None
        cls = getattr(module, "Handler", None)
        if isinstance(cls, type) and issubclass(cls, ChannelHandler):
            return Handler(
                module_name,
                cls.send_batch,
                needs_user=bool(getattr(module, "NEEDS_USER", True)),
                begin_run=cls.begin_run,
                end_run=cls.end_run,
                channel=cls,
            )
        hooks = {
            "needs_user": bool(getattr(module, "NEEDS_USER", True)),
            "begin_run": _hook(module, "begin_run"),
            "end_run": _hook(module, "end_run"),
        }
        if callable(getattr(module, "send_batch", None)):
            return Handler(module_name, module.send_batch, **hooks)
        if callable(getattr(module, "send_notification", None)):
            return Handler(
                module_name, legacy_send_batch(module.send_notification), legacy=True, **hooks
            )
        logger.error(
            "handler module %r has no Handler class, send_batch or send_notification", module_name
        )
        return None


def _hook(module, name: str) -> Callable[[], None] | None:
    hook = getattr(module, name, None)
    return hook if callable(hook) else None


def no_handler_reason(module_name: str) -> str:
    """The ``last_error`` of rows whose channel resolves to no handler."""
    return f"no handler for module '{module_name}'"


class NoHandler(ImproperlyConfigured):
    """A channel's ``notification_module_name`` resolves to no handler module.

    A configuration error like a missing credential: the rows wait (RETRY, no attempt
    counted) until the module is added to ``NOTIFICATION_SYSTEM_HANDLERS`` or the target fixed.
    """

    def __init__(self, module_name: str) -> None:
        super().__init__(no_handler_reason(module_name))
        self.module_name = module_name
