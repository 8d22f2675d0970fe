"""The handler contract: a closed vocabulary of outcomes.

A handler module exposes ``send_batch(notifications) -> list[Outcome]``, one
outcome per notification in the same order, and never saves models: the
dispatcher records outcomes in bulk. 1.5.3-style modules that only expose
``send_notification(notification)`` keep working through the dispatcher's adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol, Union

from ..models.attempt import AttemptOutcome

if TYPE_CHECKING:
    from ..models import Notification


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


Outcome = Union[Delivered, Retry, Failed, InactiveAddress, OptedOut]  # noqa: UP007
OUTCOME_TYPES = (Delivered, Retry, Failed, InactiveAddress, OptedOut)


class BatchHandler(Protocol):
    """What a new-style handler module provides."""

    def send_batch(self, notifications: Sequence[Notification]) -> list[Outcome]: ...
