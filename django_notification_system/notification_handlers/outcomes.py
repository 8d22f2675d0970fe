"""The closed vocabulary of outcomes a channel reports for each notification.

``Delivered``, ``Retry``, ``Failed``, ``InactiveAddress`` and ``OptedOut`` are what a provider
said; ``NotSent``, a kind of ``Retry``, is what a :class:`~.channel.ChannelHandler` reports for a
notification whose provider call never started (the handler's deadline came first): the
dispatcher hands such a row back due again, with no attempt counted. Import them from
``notification_handlers.base``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, Union

from ..models.attempt import AttemptOutcome


@dataclass(frozen=True)
class Delivered:
    """The provider accepted the message."""

    provider_message_id: str = ""
    kind: ClassVar[str] = AttemptOutcome.DELIVERED
    error: ClassVar[str] = ""


@dataclass(frozen=True)
class Retry:
    """A transient failure (timeout, 5xx, 429): try again later.

    ``after`` is the provider's Retry-After, when it gave one; it overrides the
    retry policy's delay when longer.
    """

    error: str
    after: timedelta | None = None
    kind: ClassVar[str] = AttemptOutcome.RETRY
    provider_message_id: ClassVar[str] = ""


@dataclass(frozen=True)
class Failed:
    """A permanent failure (bad payload, invalid credentials): never retried."""

    error: str
    kind: ClassVar[str] = AttemptOutcome.FAILED
    provider_message_id: ClassVar[str] = ""


@dataclass(frozen=True)
class InactiveAddress:
    """The address is dead: the TargetUserRecord is deactivated."""

    error: str
    kind: ClassVar[str] = AttemptOutcome.INACTIVE_ADDRESS
    provider_message_id: ClassVar[str] = ""


@dataclass(frozen=True)
class OptedOut:
    """The recipient refused messages on this channel (e.g. replied STOP)."""

    error: str
    kind: ClassVar[str] = AttemptOutcome.OPTED_OUT
    provider_message_id: ClassVar[str] = ""


@dataclass(frozen=True)
class NotSent(Retry):
    """No provider call was made for this notification (the handler's deadline came first).

    Not an attempt: the dispatcher hands the row back due again, with its attempt count
    unchanged and no ``DeliveryAttempt`` written, exactly like rows claimed but never sent.
    It is a ``Retry`` so that code which does not know it (a wrapper of ``send_batch``, a
    1.5.3 ``send_notification``) still treats the row as "try again later".
    """

    @property
    def reason(self) -> str:
        return self.error


#: Everything a handler may answer for one notification (``NotSent`` is a ``Retry``).
Outcome = Union[Delivered, Retry, Failed, InactiveAddress, OptedOut]  # noqa: UP007
OUTCOME_TYPES = (Delivered, Retry, Failed, InactiveAddress, OptedOut)
