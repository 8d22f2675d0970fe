"""The one accessor for this package's settings.

Settings are read from ``django.conf.settings`` at call time (so
``override_settings`` works) and fall back to the documented defaults below.
A required value that is missing raises :class:`ImproperlyConfigured` naming the
exact key, e.g. ``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["account_sid"]``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .exceptions import NotificationSystemConfigurationError

#: Every setting this package reads, with its default. Documented in docs/settings.rst.
DEFAULTS: dict[str, Any] = {
    # 1.5.3 settings, same meaning.
    "NOTIFICATION_SYSTEM_TARGETS": {},
    "NOTIFICATION_SYSTEM_HANDLERS": [],
    "NOTIFICATION_SYSTEM_CREATORS": [],
    # Dispatcher.
    "NOTIFICATION_SYSTEM_BATCH_SIZE": 500,
    "NOTIFICATION_SYSTEM_LEASE_SECONDS": 600,
    "NOTIFICATION_SYSTEM_RETRY_POLICY": "fixed",
    "NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES": 24 * 60,
    "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT": 120,
    # Delivery tracking; links in emails (one-click unsubscribe).
    "NOTIFICATION_SYSTEM_PUBLIC_BASE_URL": "",
    # Categories and preferences (see preferences/categories.py).
    "NOTIFICATION_SYSTEM_CATEGORIES": {},
    # Quiet hours: channels held back during a user's quiet hours.
    "NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS": ["twilio", "expo"],
    # Digest frequency: local hour of daily/weekly digests, weekday of weekly ones (0 = Monday).
    "NOTIFICATION_SYSTEM_DIGEST_HOUR": 9,
    "NOTIFICATION_SYSTEM_DIGEST_WEEKDAY": 0,
    # Workers: what creators enqueue after commit (None = cron only), and the coalescing window.
    "NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE": None,
    "NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS": 0.2,
    "NOTIFICATION_SYSTEM_DELIVERY_RULES": None,  # None: rules.DEFAULT_RULES
}

RETRY_POLICIES = ("fixed", "exponential")
#: Where creators may enqueue a ``deliver_due`` hint; ``None`` leaves delivery to cron.
ENQUEUE_BACKENDS = (None, "tasks", "celery")

_MISSING = object()


def get(name: str) -> Any:
    """Return setting ``name`` from the project's settings, or its documented default."""
    if name not in DEFAULTS:
        raise KeyError(f"{name} is not a django-notification-system setting")
    return getattr(settings, name, DEFAULTS[name])


#: Largest batch one claim may take: larger ones overflow the database's LIMIT.
MAX_BATCH_SIZE = 100_000


def _positive_int(name: str, maximum: int | None = None) -> int:
    value = get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise NotificationSystemConfigurationError(
            f"{name} must be a positive integer, not {value!r}"
        )
    if maximum is not None and value > maximum:
        raise NotificationSystemConfigurationError(
            f"{name} must be at most {maximum}, not {value!r}"
        )
    return value


def batch_size() -> int:
    """How many due notifications one claim takes (``NOTIFICATION_SYSTEM_BATCH_SIZE``)."""
    return _positive_int("NOTIFICATION_SYSTEM_BATCH_SIZE", MAX_BATCH_SIZE)


def lease_seconds() -> int:
    """Seconds a claimed row stays reserved for its worker (``..._LEASE_SECONDS``)."""
    return _positive_int("NOTIFICATION_SYSTEM_LEASE_SECONDS")


def handler_timeout() -> int:
    """Seconds a handler may take for one batch before its rows go to RETRY."""
    return _positive_int("NOTIFICATION_SYSTEM_HANDLER_TIMEOUT")


def max_backoff_minutes() -> int:
    """Upper bound of the exponential retry delay, in minutes."""
    return _positive_int("NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES")


def retry_policy() -> str:
    """``"fixed"`` (1.5.3: wait ``retry_time_interval`` minutes) or ``"exponential"``."""
    value = get("NOTIFICATION_SYSTEM_RETRY_POLICY")
    if value not in RETRY_POLICIES:
        raise NotificationSystemConfigurationError(
            f"NOTIFICATION_SYSTEM_RETRY_POLICY must be one of {RETRY_POLICIES}, not {value!r}"
        )
    return value


def module_paths(name: str) -> list[str]:
    """The list setting ``NOTIFICATION_SYSTEM_HANDLERS`` or ``..._CREATORS`` as strings.

    Entries are dotted module paths or (as in 1.5.3) directory paths; ``pathlib``
    paths are accepted and turned into strings.
    """
    value = get(name)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise NotificationSystemConfigurationError(
            f"{name} must be a list of dotted module paths or directories, not {value!r}"
        )
    return [str(entry) for entry in value]


def targets() -> dict[str, dict[str, Any]]:
    """``NOTIFICATION_SYSTEM_TARGETS``: per-channel options keyed by channel name."""
    value = get("NOTIFICATION_SYSTEM_TARGETS")
    if not isinstance(value, dict):
        raise NotificationSystemConfigurationError(
            f"NOTIFICATION_SYSTEM_TARGETS must be a dict, not {type(value).__name__}"
        )
    return value


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


def public_base_url() -> str:
    """The site's public base URL (``https://example.com``), or ``""`` when not set.

    Webhook signatures are computed by the provider over the public URL it called;
    behind a proxy that rewrites host or scheme, this setting supplies it.
    """
    value = get("NOTIFICATION_SYSTEM_PUBLIC_BASE_URL")
    if not isinstance(value, str) or (value and not value.startswith(("http://", "https://"))):
        raise NotificationSystemConfigurationError(
            "NOTIFICATION_SYSTEM_PUBLIC_BASE_URL must be an http(s) URL such as "
            f"'https://example.com', not {value!r}"
        )
    return value.rstrip("/")


def quiet_hours_channels() -> list[str]:
    """Channels (``notification_module_name``) held back during a user's quiet hours."""
    name = "NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS"
    value = get(name)
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, (list, tuple, set, frozenset))
        or not all(isinstance(channel, str) and channel for channel in value)
    ):
        raise NotificationSystemConfigurationError(
            f"{name} must be a list of channel names (notification_module_name), "
            f"e.g. ['twilio', 'expo'], not {value!r}"
        )
    return list(value)


def _int_between(name: str, lowest: int, highest: int, meaning: str) -> int:
    value = get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise NotificationSystemConfigurationError(
            f"{name} must be an integer from {lowest} to {highest} ({meaning}), not {value!r}"
        )
    return value


def digest_hour() -> int:
    """Local hour (0-23) at which daily and weekly digests go out (``..._DIGEST_HOUR``)."""
    return _int_between("NOTIFICATION_SYSTEM_DIGEST_HOUR", 0, 23, "an hour of the day")


def digest_weekday() -> int:
    """Weekday of weekly digests, 0 = Monday to 6 = Sunday (``..._DIGEST_WEEKDAY``)."""
    return _int_between("NOTIFICATION_SYSTEM_DIGEST_WEEKDAY", 0, 6, "0 = Monday, 6 = Sunday")


def enqueue_on_create() -> str | None:
    """``None`` (cron only), ``"tasks"`` (Django's task framework) or ``"celery"``.

    Read from ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE``; see docs/workers.rst.
    """
    value = get("NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE")
    if value not in ENQUEUE_BACKENDS:
        raise NotificationSystemConfigurationError(
            "NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE must be None, 'tasks' or 'celery', "
            f"not {value!r}"
        )
    return value


def enqueue_coalesce_seconds() -> float:
    """Seconds within which one process folds its ``deliver_due`` enqueues into one."""
    value = get("NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
        raise NotificationSystemConfigurationError(
            "NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS must be a number of seconds "
            f"between 0 and 60, not {value!r}"
        )
    return float(value)
