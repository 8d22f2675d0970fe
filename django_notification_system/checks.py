"""Django system checks: report misconfiguration by setting name at startup."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf

_SCALARS = (
    conf.batch_size,
    conf.lease_seconds,
    conf.handler_timeout,
    conf.max_backoff_minutes,
    conf.retry_policy,
    conf.targets,
    conf.public_base_url,
)


@checks.register()
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every setting this package reads must have a usable value."""
    errors: list[checks.CheckMessage] = []
    for accessor in _SCALARS:
        try:
            accessor()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="django_notification_system.E001"))
    for name in ("NOTIFICATION_SYSTEM_HANDLERS", "NOTIFICATION_SYSTEM_CREATORS"):
        try:
            conf.module_paths(name)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="django_notification_system.E002"))
    try:
        for channel, options in conf.targets().items():
            if not isinstance(options, dict):
                errors.append(
                    checks.Error(
                        f'NOTIFICATION_SYSTEM_TARGETS["{channel}"] must be a dict, '
                        f"not {type(options).__name__}",
                        id="django_notification_system.E003",
                    )
                )
    except ImproperlyConfigured:
        pass  # already reported above
    return errors
