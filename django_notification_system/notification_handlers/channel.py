"""``ChannelHandler``: the one pipeline every channel runs on; a channel fills in hooks.

A channel module defines a subclass and exposes it as ``Handler``::

    class SlackHandler(ChannelHandler):
        channel = "slack"

        def send(self, notification) -> Outcome: ...

    Handler = SlackHandler

The hooks: ``send(notification)`` (one provider call) or, with ``chunk_size > 1``,
``send_chunk(notifications)``; optional ``open()``/``close()`` around a client kept for the
whole run; ``classify(exc)`` for what a hook raises. The base class owns the rest:
concurrency, the optional process-wide ``max_per_second``, one outcome per notification in
order, the client's lifecycle and the deadline (no provider call starts that could outlive
it; a notification whose call never started is answered ``NotSent``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .. import conf
from .errors import log_failure
from .outcomes import OUTCOME_TYPES, NotSent, Outcome, Retry
from .pool import ConnectionPool
from .rate_limit import shared_limiter

if TYPE_CHECKING:
    from ..models import Notification

logger = logging.getLogger(__name__)

#: ``reason`` of a notification whose provider call never started.
OUT_OF_TIME = "not sent: no time left for a provider call before the handler deadline"
#: Errors that mean "fix the configuration": never classified as an outcome.
CONFIGURATION_ERRORS = (ImproperlyConfigured, ImportError)
#: ``error`` of a call a hook kept running past its timeout and the deadline: its fate is unknown.
OVERRAN = "the provider call did not return within its timeout"


@dataclass(frozen=True)
class ChannelOptions:
    """A channel's pipeline options, read from ``NOTIFICATION_SYSTEM_TARGETS`` at call time."""

    concurrency: int
    timeout: float
    max_per_second: int | None
    chunk_size: int


class ChannelHandler:
    """Base class of a channel: subclass it, fill in ``send`` (or ``send_chunk``), expose it
    as ``Handler`` in the channel's module.

    Options come from ``NOTIFICATION_SYSTEM_TARGETS[channel]`` (``concurrency``,
    ``max_per_second``, ``timeout``) with the class attributes as defaults.
    """

    #: Key in ``NOTIFICATION_SYSTEM_TARGETS`` holding this channel's options.
    channel: ClassVar[str] = ""
    #: Provider calls in flight at once; option ``concurrency`` overrides.
    concurrency: ClassVar[int] = 1
    #: Notifications per provider call; above 1 the pipeline calls ``send_chunk``.
    chunk_size: ClassVar[int] = 1
    #: Seconds one provider call may take at most; option ``timeout`` overrides.
    timeout: ClassVar[float] = 10.0
    #: Messages per second for all of this process's senders of the channel; option
    #: ``max_per_second`` overrides; ``None``: unlimited.
    max_per_second: ClassVar[float | None] = None

    def open(self) -> None:
        """Open a client kept for the whole run (optional). Called once before the first
        provider call; ``close()`` is called at the end of the run and after errors."""

    def close(self) -> None:
        """Close what ``open()`` opened (optional)."""

    def send(self, notification: Notification) -> Outcome:
        """Make one provider call for ``notification`` and say how it went.

        Must finish within ``self.timeout`` seconds (give the provider client that timeout).
        An exception it raises is turned into an outcome by :meth:`classify`.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement send() or send_chunk()")

    def send_chunk(self, notifications: Sequence[Notification]) -> list[Outcome]:
        """One provider call for up to ``chunk_size`` notifications: one outcome each, in order.

        The default sends them one by one with :meth:`send`; a provider that takes many
        messages per request overrides it and sets ``chunk_size``.
        """
        return [self.send(notification) for notification in notifications]

    def classify(self, exc: Exception) -> Outcome:
        """The outcome of an exception a hook raised. Default: ``Retry`` naming its type only
        (its text may hold an address or a body)."""
        return Retry(f"{type(exc).__name__} from the {self.channel or 'channel'} provider")

    def should_split(self, exc: Exception) -> bool:
        """Whether a chunk whose call raised ``exc`` is sent again in halves (optional).

        For providers that refuse a whole request for one bad message: each half is a call
        of its own (its own deadline check and rate-limit slot), until the offending
        messages stand alone and get ``classify(exc)``. Default: never.
        """
        return False

    # -- the pipeline (not hooks) ---------------------------------------------------------

    @classmethod
    def options(cls) -> ChannelOptions:
        """The class defaults overridden by ``NOTIFICATION_SYSTEM_TARGETS[channel]``; a wrong
        value raises a configuration error naming its key."""
        if not cls.channel:  # no options of its own; a call still fits the handler timeout
            timeout = min(cls.timeout, conf.handler_timeout() / 4)
            return ChannelOptions(cls.concurrency, timeout, cls.max_per_second, cls.chunk_size)
        concurrency = conf.positive_int_option(cls.channel, "concurrency", cls.concurrency)
        rate = conf.target_option(cls.channel, "max_per_second", cls.max_per_second)
        if rate is not None:
            rate = conf.positive_int_option(cls.channel, "max_per_second", rate)
        timeout = conf.provider_timeout(cls.channel, cls.timeout)
        # A request can never carry more messages than the per-second budget.
        chunk_size = max(1, min(cls.chunk_size, rate or cls.chunk_size))
        return ChannelOptions(concurrency, timeout, rate, chunk_size)

    @classmethod
    def pool(cls) -> ConnectionPool:
        """This class's opened handlers, kept across the batches of a run (see ``pool.py``)."""
        pool = cls.__dict__.get("_pool")
        if pool is None:
            with _pools_lock:
                pool = cls.__dict__.get("_pool")
                if pool is None:
                    pool = ConnectionPool(cls._new_opened, cls.close)
                    cls._pool = pool
        return pool

    @classmethod
    def begin_run(cls) -> None:
        """A dispatcher run starts using this channel: keep opened handlers between batches."""
        cls.pool().begin_run()

    @classmethod
    def end_run(cls) -> None:
        """The run is over: close the handlers kept open."""
        cls.pool().end_run()

    @classmethod
    @contextmanager
    def opened(cls) -> Iterator[ChannelHandler]:
        """A handler of its own, opened, closed on leaving (a single send outside a run)."""
        handler = cls._new_opened()
        try:
            yield handler
        finally:
            _close_logged(handler)

    @classmethod
    def _new_opened(cls) -> ChannelHandler:
        handler = cls()
        options = cls.options()
        handler.timeout = options.timeout  # the hooks read the configured values
        handler.concurrency = options.concurrency
        handler.max_per_second = options.max_per_second
        try:
            handler.open()
        except BaseException:
            with suppress(Exception):  # best effort: what open() got to before it failed
                handler.close()
            raise
        return handler

    @classmethod
    def send_batch(
        cls, notifications: Sequence[Notification], deadline: float | None = None
    ) -> list[Outcome]:
        """Send the batch and wait for it: one outcome per notification, in order.

        ``deadline`` (monotonic) defaults to ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT`` from now.
        """
        if deadline is None:
            deadline = time.monotonic() + conf.handler_timeout()
        send = BatchSend(cls, notifications, deadline)
        send.run()
        return send.outcomes()

    @classmethod
    def send_now(cls, notification: Notification) -> tuple[Outcome, Exception | None]:
        """Send one notification on this thread, on a handler of its own (1.5.3's
        ``send_notification``): its outcome, and the exception that failed it, if any."""
        try:
            with cls.opened() as handler:
                try:
                    return handler._call([notification])[0], None
                except CONFIGURATION_ERRORS:
                    raise
                except Exception as exc:
                    return handler.classify(exc), exc
        except CONFIGURATION_ERRORS:
            raise
        except Exception as exc:  # opening failed
            return cls().classify(exc), exc

    def _call(self, notifications: list[Notification]) -> list[Outcome]:
        """One provider call through the hooks; a malformed answer is a Retry for each."""
        if len(notifications) == 1 and self.chunk_size == 1:
            outcomes = [self.send(notifications[0])]
        else:
            outcomes = list(self.send_chunk(notifications))
        if len(outcomes) != len(notifications):
            logger.error(
                "%s answered %d outcomes for %d notifications",
                type(self).__name__,
                len(outcomes),
                len(notifications),
            )
            return [Retry("the handler returned a malformed result")] * len(notifications)
        bad = Retry("the handler returned something that is not an outcome")
        return [o if isinstance(o, OUTCOME_TYPES) else bad for o in outcomes]


_pools_lock = threading.Lock()


def _close_logged(handler: ChannelHandler) -> None:
    try:
        handler.close()
    except Exception as exc:  # its text may name an address: the type only
        logger.warning("closing a %s failed (%s)", type(handler).__name__, type(exc).__name__)


class BatchSend:
    """One batch through a ``ChannelHandler`` class: chunks taken in order by up to
    ``concurrency`` sender threads, each holding an opened handler from the class's pool.

    The deadline guarantee: a sender takes the next chunk only while opening a client and a
    whole call (two provider timeouts) still fit before ``deadline``, and checks again right
    before the call (after opening a client, after waiting for the rate limit). Chunks never
    started are answered ``NotSent``. A call that started is always waited for.
    """

    def __init__(
        self, cls: type[ChannelHandler], notifications: Sequence[Notification], deadline: float
    ) -> None:
        self.cls = cls
        self.options = cls.options()
        self.notifications = list(notifications)
        self.deadline = deadline
        size = self.options.chunk_size
        count = len(self.notifications)
        #: Chunk id -> indexes of its notifications; split halves get new ids.
        self.chunks = dict(
            enumerate(list(range(i, min(i + size, count))) for i in range(0, count, size))
        )
        self._answers: list[Outcome | None] = [None] * count
        self._in_flight: set[int] = set()
        self._queue = deque(self.chunks)
        self._lock = threading.Lock()
        self._unreachable: Outcome | None = None
        self.error: BaseException | None = None  # a configuration error met by a sender
        self._threads: list[threading.Thread] = []
        rate = self.options.max_per_second
        self._limiter = shared_limiter(cls.channel or cls.__qualname__, rate) if rate else None

    def start(self) -> None:
        """Start the sender threads (none for an empty batch)."""
        workers = min(self.options.concurrency, len(self.chunks))
        for number in range(workers):
            thread = threading.Thread(
                target=self._work_on_own_thread,
                name=f"dns-{self.cls.channel or self.cls.__name__}-{number}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def run(self) -> None:
        """Send on this thread when one sender is enough, else on sender threads; wait."""
        if min(self.options.concurrency, len(self.chunks)) == 1:
            self._work()
        else:
            self.start()
            self.wait()

    def wait(self, until: float | None = None) -> bool:
        """Wait for the senders (until the monotonic ``until`` at most); True if all ended."""
        for thread in self._threads:
            thread.join(None if until is None else max(0.0, until - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def outcomes(self) -> list[Outcome]:
        """One outcome per notification, in order: the provider's answer, ``NotSent`` for a
        call never started, and ``Retry`` for a call still running (a hook that ignored its
        timeout: the only case where the outcome is not known).

        A configuration error met before any call is raised; after some calls, those calls'
        outcomes stand and the rest are ``NotSent``.
        """
        if self.error is not None and not any(self._answers) and not self._in_flight:
            raise self.error
        with self._lock:
            in_flight = {i for chunk in self._in_flight for i in self.chunks[chunk]}
            answers = list(self._answers)
        overran = Retry(OVERRAN)
        return [
            overran if i in in_flight else (a if a is not None else NotSent(OUT_OF_TIME))
            for i, a in enumerate(answers)
        ]

    def _fits(self) -> bool:
        """Room for two provider timeouts: opening a client, if needed, and the call."""
        return time.monotonic() + 2 * self.options.timeout <= self.deadline

    def _take(self) -> int | None:
        with self._lock:
            if self.error is not None or not self._fits() or not self._queue:
                return None
            return self._queue.popleft()

    def _store(self, chunk: int, outcomes: list[Outcome] | Outcome) -> None:
        indexes = self.chunks[chunk]
        if not isinstance(outcomes, list):
            outcomes = [outcomes] * len(indexes)
        with self._lock:
            self._in_flight.discard(chunk)
            for index, outcome in zip(indexes, outcomes, strict=True):
                self._answers[index] = outcome

    def _work_on_own_thread(self) -> None:
        try:
            self._work()
        finally:
            connections.close_all()  # this thread's connections, if a hook opened any

    def _work(self) -> None:
        pool, handler = self.cls.pool(), None
        try:
            while (chunk := self._take()) is not None:
                if self._unreachable is not None:
                    self._store(chunk, self._unreachable)
                    continue
                if handler is None:
                    try:
                        handler = pool.acquire()
                    except CONFIGURATION_ERRORS as exc:
                        self._misconfigured(exc)
                        return
                    except Exception as exc:
                        self._unreachable = self._failed_open(exc)
                        self._store(chunk, self._unreachable)
                        continue
                if not self._send(handler, chunk):
                    pool.discard(handler)
                    handler = None
        finally:
            if handler is not None:
                pool.release(handler)

    def _send(self, handler: ChannelHandler, chunk: int) -> bool:
        """Make the call for ``chunk`` if it still fits; False if the handler must be closed."""
        notifications = [self.notifications[i] for i in self.chunks[chunk]]
        slot = self._limiter.slot(len(notifications)) if self._limiter else nullcontext()
        with slot:
            with self._lock:
                if not self._fits():
                    return True  # left unanswered: NotSent
                self._in_flight.add(chunk)
            try:
                self._store(chunk, handler._call(notifications))
                return True
            except CONFIGURATION_ERRORS as exc:
                with self._lock:
                    self._in_flight.discard(chunk)  # no message went out: NotSent
                self._misconfigured(exc)
                return False
            except Exception as exc:
                if len(notifications) > 1 and self._splits(handler, exc):
                    self._split(chunk)
                    return True
                self._store(chunk, self._classified(handler, exc))
                return False

    def _splits(self, handler: ChannelHandler, exc: Exception) -> bool:
        try:
            return bool(handler.should_split(exc))
        except Exception:
            return False

    def _split(self, chunk: int) -> None:
        """Queue the chunk's halves next, each to be sent as a call of its own."""
        indexes = self.chunks[chunk]
        middle = len(indexes) // 2
        logger.warning(
            "%s: a request of %d messages was refused as a whole; sending it in halves",
            self.cls.channel or self.cls.__name__,
            len(indexes),
        )
        with self._lock:
            self._in_flight.discard(chunk)
            first, second = len(self.chunks), len(self.chunks) + 1
            self.chunks[first], self.chunks[second] = indexes[:middle], indexes[middle:]
            self._queue.extendleft((second, first))

    def _classified(self, handler: ChannelHandler, exc: Exception) -> Outcome:
        try:
            outcome = handler.classify(exc)
        except Exception as error:
            log_failure(logger, "%s.classify raised", type(handler).__name__, exc=error)
            outcome = None
        return outcome if isinstance(outcome, OUTCOME_TYPES) else Retry(type(exc).__name__)

    def _misconfigured(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        logger.error(
            "%s: configuration error (%s); nothing more is sent in this batch",
            self.cls.channel or self.cls.__name__,
            type(exc).__name__,
        )

    def _failed_open(self, exc: Exception) -> Outcome:
        """Opening a client failed (the provider is unreachable): what is left is not tried
        against it again in this batch, and gets the same outcome."""
        logger.warning(
            "%s: could not open a client (%s)",
            self.cls.channel or self.cls.__name__,
            type(exc).__name__,
        )
        return self._classified(self.cls(), exc)
