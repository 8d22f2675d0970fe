"""The handler contract: a closed vocabulary of outcomes.

A handler module exposes ``send_batch(notifications) -> list[Outcome]``, one
outcome per notification in the same order, and never saves models: the
dispatcher records outcomes in bulk. 1.5.3-style modules that only expose
``send_notification(notification)`` keep working through the dispatcher's adapter.

Handlers depend downward only. What they need from a capability above them comes through
the two hooks at the end of this module, which the app fills in ``AppConfig.ready``: extra
message headers (the preferences' List-Unsubscribe) and the recording of one outcome on one
row (the dispatcher's rules, for the built-ins' 1.5.3 ``send_notification``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol, Union

from django.core.exceptions import ImproperlyConfigured

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


# -- Hooks the capabilities above fill in (see ``apps.py``) ---------------------------------

#: ``hook(notification, channel) -> {header: value}``: headers a message should carry.
HeaderHook = Callable[["Notification", str], Mapping[str, str]]
#: ``recorder(notification, outcome) -> status``: save one outcome on one row.
OutcomeRecorder = Callable[["Notification", Outcome], str]

_header_hooks: list[HeaderHook] = []
_outcome_recorder: list[OutcomeRecorder] = []


def register_header_hook(hook: HeaderHook) -> None:
    """Add a source of message headers; registering the same hook again changes nothing."""
    if hook not in _header_hooks:
        _header_hooks.append(hook)


def message_headers(notification: Notification, channel: str) -> dict[str, str]:
    """The headers every registered hook gives ``notification`` on ``channel``, merged."""
    headers: dict[str, str] = {}
    for hook in _header_hooks:
        headers.update(hook(notification, channel))
    return headers


def register_outcome_recorder(recorder: OutcomeRecorder) -> None:
    """Set the function that saves one outcome on one row (the dispatcher's rules)."""
    _outcome_recorder[:] = [recorder]


def record_outcome(notification: Notification, outcome: Outcome) -> str:
    """Save ``outcome`` on ``notification`` by the registered rules; return its new status.

    Used by the built-in handlers' 1.5.3 ``send_notification``; ``send_batch`` never saves.
    """
    if not _outcome_recorder:
        raise ImproperlyConfigured(
            "no outcome recorder is registered: add 'django_notification_system' to "
            "INSTALLED_APPS and call django.setup() before sending"
        )
    return _outcome_recorder[0](notification, outcome)
