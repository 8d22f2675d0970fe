"""The handler contract: a closed vocabulary of outcomes, and the channel base class.

A handler module exposes ``Handler``, a :class:`ChannelHandler` subclass whose pipeline owns
concurrency, rate limits, clients and the deadline; or ``send_batch(notifications) ->
list[Outcome]``, one outcome per notification in the same order. Either way it never saves
models: the dispatcher records outcomes in bulk. 1.5.3-style modules that only expose
``send_notification(notification)`` keep working through the dispatcher's adapter.

Handlers depend downward only. What they need from a capability above them comes through
the two hooks at the end of this module, which the app fills in ``AppConfig.ready``: extra
message headers (the preferences' List-Unsubscribe) and the recording of one outcome on one
row (the dispatcher's rules, for the built-ins' 1.5.3 ``send_notification``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

from .channel import ChannelHandler
from .outcomes import (
    OUTCOME_TYPES,
    Delivered,
    Failed,
    InactiveAddress,
    NotSent,
    OptedOut,
    Outcome,
    Retry,
)

if TYPE_CHECKING:
    from ..models import Notification

__all__ = [
    "OUTCOME_TYPES",
    "BatchHandler",
    "ChannelHandler",
    "Delivered",
    "Failed",
    "InactiveAddress",
    "NotSent",
    "OptedOut",
    "Outcome",
    "Retry",
    "message_headers",
    "record_outcome",
    "register_header_hook",
    "register_outcome_recorder",
]


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
