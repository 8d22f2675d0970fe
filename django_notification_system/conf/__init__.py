"""The one accessor for this package's settings.

Every setting is declared once in :mod:`.registry` (default, validation, one-line doc).
Settings are read from ``django.conf.settings`` at call time (so ``override_settings`` works)
and fall back to their defaults. A bad or missing required value raises
:class:`ImproperlyConfigured` naming the exact key, e.g.
``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["account_sid"]``. ``conf`` imports nothing of
the package but :mod:`~django_notification_system.exceptions`: every capability may read it.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import NotificationSystemConfigurationError
from .registry import (
    DEFAULT_DELIVERY_RULES,
    ENQUEUE_BACKENDS,
    MAX_BATCH_SIZE,
    RETRY_POLICIES,
)
from .setting import REGISTRY, checked, declared
from .values import is_number, positive_int

__all__ = [
    "DEFAULTS",
    "DEFAULT_DELIVERY_RULES",
    "ENQUEUE_BACKENDS",
    "MAX_BATCH_SIZE",
    "RETRY_POLICIES",
    "batch_size",
    "delivery_rules",
    "digest_hour",
    "digest_weekday",
    "enqueue_coalesce_seconds",
    "enqueue_on_create",
    "get",
    "handler_timeout",
    "lease_seconds",
    "max_backoff_minutes",
    "module_paths",
    "positive_int_option",
    "provider_timeout",
    "public_base_url",
    "quiet_hours_channels",
    "retry_policy",
    "target_option",
    "target_options",
    "targets",
]

#: Every setting this package reads, with its default (derived from the registry).
DEFAULTS: dict[str, Any] = {name: setting.default for name, setting in REGISTRY.items()}

_MISSING = object()


def get(name: str) -> Any:
    """Return setting ``name`` from the project's settings, or its documented default."""
    return declared(name).read()


def batch_size() -> int:
    """How many due notifications one claim takes (``NOTIFICATION_SYSTEM_BATCH_SIZE``)."""
    return checked("NOTIFICATION_SYSTEM_BATCH_SIZE")


def lease_seconds() -> int:
    """Seconds a claimed row stays reserved for its worker (``..._LEASE_SECONDS``)."""
    return checked("NOTIFICATION_SYSTEM_LEASE_SECONDS")


def handler_timeout() -> int:
    """Seconds a handler may take for one batch before its rows go to RETRY."""
    return checked("NOTIFICATION_SYSTEM_HANDLER_TIMEOUT")


def max_backoff_minutes() -> int:
    """Upper bound of the exponential retry delay, in minutes."""
    return checked("NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES")


def retry_policy() -> str:
    """``"fixed"`` (1.5.3: wait ``retry_time_interval`` minutes) or ``"exponential"``."""
    return checked("NOTIFICATION_SYSTEM_RETRY_POLICY")


def delivery_rules() -> list[str]:
    """The delivery-rule chain as dotted paths, in order (``..._DELIVERY_RULES``)."""
    return checked("NOTIFICATION_SYSTEM_DELIVERY_RULES")


def module_paths(name: str) -> list[str]:
    """The list setting ``NOTIFICATION_SYSTEM_HANDLERS`` or ``..._CREATORS`` as strings.

    Entries are dotted module paths or (as in 1.5.3) directory paths; ``pathlib``
    paths are accepted and turned into strings.
    """
    return checked(name)


def targets() -> dict[str, dict[str, Any]]:
    """``NOTIFICATION_SYSTEM_TARGETS``: per-channel options keyed by channel name."""
    return checked("NOTIFICATION_SYSTEM_TARGETS")


def target_key(channel: str, key: str) -> str:
    """The exact key of one channel option, as messages name it."""
    return f'NOTIFICATION_SYSTEM_TARGETS["{channel}"]["{key}"]'


def target_options(channel: str) -> dict[str, Any]:
    """The options dict of one channel (``{}`` when the channel is not configured)."""
    options = targets().get(channel, {})
    if not isinstance(options, dict):
        raise NotificationSystemConfigurationError(
            f'NOTIFICATION_SYSTEM_TARGETS["{channel}"] must be a dict, '
            f"not {type(options).__name__}"
        )
    return options


def target_option(channel: str, key: str, default: Any = _MISSING) -> Any:
    """One channel option; with no ``default``, a missing or empty value is an error naming it."""
    value = target_options(channel).get(key, _MISSING)
    if value is _MISSING or value in ("", None):
        if default is not _MISSING:
            return default
        raise NotificationSystemConfigurationError(
            f'NOTIFICATION_SYSTEM_TARGETS["{channel}"]["{key}"] is required but not set'
        )
    return value


def positive_int_option(channel: str, key: str, default: int) -> int:
    """A channel option that must be a positive integer (a ``concurrency``, a rate)."""
    value, problems = positive_int()(
        target_key(channel, key), target_option(channel, key, default)
    )
    if problems:
        raise NotificationSystemConfigurationError(problems[0].message)
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
    limit = handler_timeout()
    value = target_option(channel, "timeout", None)
    key = target_key(channel, "timeout")
    if value is None:
        return min(default, limit / 4)
    if not is_number(value) or value <= 0:
        raise NotificationSystemConfigurationError(
            f"{key} must be a positive number of seconds, not {value!r}"
        )
    if value * 2 >= limit:
        raise NotificationSystemConfigurationError(
            f"{key} ({value}s) must be less than half of "
            f"NOTIFICATION_SYSTEM_HANDLER_TIMEOUT ({limit}s): a provider call starts only "
            "while two timeouts are left of the handler's time"
        )
    return value


def public_base_url() -> str:
    """The site's public base URL (``https://example.com``), or ``""`` when not set.

    Webhook signatures are computed by the provider over the public URL it called;
    behind a proxy that rewrites host or scheme, this setting supplies it.
    """
    return checked("NOTIFICATION_SYSTEM_PUBLIC_BASE_URL")


def quiet_hours_channels() -> list[str]:
    """Channels (``notification_module_name``) held back during a user's quiet hours."""
    return checked("NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS")


def digest_hour() -> int:
    """Local hour (0-23) at which daily and weekly digests go out (``..._DIGEST_HOUR``)."""
    return checked("NOTIFICATION_SYSTEM_DIGEST_HOUR")


def digest_weekday() -> int:
    """Weekday of weekly digests, 0 = Monday to 6 = Sunday (``..._DIGEST_WEEKDAY``)."""
    return checked("NOTIFICATION_SYSTEM_DIGEST_WEEKDAY")


def enqueue_on_create() -> str | None:
    """``None`` (cron only), ``"tasks"`` (Django's task framework) or ``"celery"``.

    Read from ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE``; see docs/workers.rst.
    """
    return checked("NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE")


def enqueue_coalesce_seconds() -> float:
    """Seconds within which one process folds its ``deliver_due`` enqueues into one."""
    return checked("NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS")
