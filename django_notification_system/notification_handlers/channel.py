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
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from .outcomes import Outcome, Retry

if TYPE_CHECKING:
    from ..models import Notification

logger = logging.getLogger(__name__)


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
