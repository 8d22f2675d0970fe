"""Channel options shared by the built-in handlers: validated, named exactly when wrong."""

from __future__ import annotations

from .. import conf
from ..exceptions import NotificationSystemConfigurationError


def _key(channel: str, key: str) -> str:
    return f'NOTIFICATION_SYSTEM_TARGETS["{channel}"]["{key}"]'


def positive_int_option(channel: str, key: str, default: int) -> int:
    """An option that must be a positive integer (a ``concurrency``, a rate)."""
    value = conf.target_option(channel, key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise NotificationSystemConfigurationError(
            f"{_key(channel, key)} must be a positive integer, not {value!r}"
        )
    return value


def provider_timeout(channel: str, default: float) -> float:
    """The channel's ``timeout`` for one provider call, in seconds.

    It must be less than half of ``NOTIFICATION_SYSTEM_HANDLER_TIMEOUT``: a provider call
    that outlives the handler timeout would let the dispatcher's timeout decide outcomes for
    messages the provider answered, so handlers start no call when less than two timeouts
    are left of the handler's time, and with a longer timeout no call could ever start
    (every message would be retried, run after run). Unset, it is ``default``, or a quarter
    of the handler timeout if that is shorter.
    """
    limit = conf.handler_timeout()
    value = conf.target_option(channel, "timeout", None)
    if value is None:
        return min(default, limit / 4)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise NotificationSystemConfigurationError(
            f"{_key(channel, 'timeout')} must be a positive number of seconds, not {value!r}"
        )
    if value * 2 >= limit:
        raise NotificationSystemConfigurationError(
            f"{_key(channel, 'timeout')} ({value}s) must be less than half of "
            f"NOTIFICATION_SYSTEM_HANDLER_TIMEOUT ({limit}s): a provider call starts only "
            "while two timeouts are left of the handler's time"
        )
    return value
