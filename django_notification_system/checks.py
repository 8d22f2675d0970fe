"""Django system checks: report misconfiguration by setting name at startup."""

from __future__ import annotations

import importlib

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf, configuration
from .digests.checks import check_digests
from .preferences.checks import check_categories

_SCALARS = (
    conf.batch_size,
    conf.lease_seconds,
    conf.handler_timeout,
    conf.max_backoff_minutes,
    conf.retry_policy,
    conf.public_base_url,
    conf.quiet_hours_channels,
    conf.digest_hour,
    conf.digest_weekday,
    conf.enqueue_on_create,
    conf.enqueue_coalesce_seconds,
)


@checks.register()
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every setting this package reads must have a usable value.

    Runs with plain ``manage.py check`` (no database): handler/creator entries that cannot
    be imported, unknown channel or option keys in ``NOTIFICATION_SYSTEM_TARGETS`` (with a
    suggestion), every missing required key of a configured channel, and missing SDKs.
    """
    errors: list[checks.CheckMessage] = []
    for accessor in _SCALARS:
        try:
            accessor()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="django_notification_system.E001"))
    for name in ("NOTIFICATION_SYSTEM_HANDLERS", "NOTIFICATION_SYSTEM_CREATORS"):
        for problem in configuration.module_path_problems(name):
            errors.append(
                checks.Error(
                    problem,
                    hint="Entries are dotted module paths or directories (see docs/settings.rst).",
                    id="django_notification_system.E002",
                )
            )
    for problem in configuration.target_problems():
        errors.append(checks.Error(problem, id="django_notification_system.E003"))
    errors.extend(check_categories())
    errors.extend(check_digests())
    errors.extend(check_enqueue_backend())
    return errors


def check_enqueue_backend() -> list[checks.CheckMessage]:
    """The framework named by ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE`` must be importable."""
    try:
        backend = conf.enqueue_on_create()
    except ImproperlyConfigured:
        return []  # reported with the other settings
    if backend is None:
        return []
    module = "workers.tasks" if backend == "tasks" else "workers.celery"
    try:
        imported = importlib.import_module(f"django_notification_system.{module}")
    except ImportError as exc:
        problem = str(exc)
    else:
        missing = getattr(imported, "framework_task", True) is None
        problem = imported.INSTALL_HINT if missing else None
    if problem is None:
        return []
    return [
        checks.Error(
            f"NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE is {backend!r} but {problem}",
            id="django_notification_system.E005",
        )
    ]


@checks.register(checks.Tags.database)
def check_target_handlers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Every target's ``notification_module_name`` must resolve to a handler.

    Tagged ``database`` (it reads the targets table), so it runs with ``check --database``
    and ``migrate``; ``process_notifications`` reports the same problem when it meets it.
    """
    from django.db import DatabaseError

    from .dispatch.registry import CONFIGURATION_ERRORS, HandlerRegistry
    from .models import NotificationTarget

    errors: list[checks.CheckMessage] = []
    registry = HandlerRegistry()
    for alias in databases or []:
        try:
            targets = list(
                NotificationTarget.objects.using(alias).values_list(
                    "name", "notification_module_name"
                )
            )
        except DatabaseError:
            continue  # not migrated yet
        for name, module_name in targets:
            try:
                found = registry.get(module_name)
            except CONFIGURATION_ERRORS as exc:
                found, problem = None, f"{type(exc).__name__}: {exc}"
            else:
                problem = "no handler module provides it"
            if found is None:
                errors.append(
                    checks.Error(
                        f"Target {name!r} uses notification_module_name {module_name!r}: "
                        f"{problem}.",
                        hint="Add the module's package or directory to "
                        "NOTIFICATION_SYSTEM_HANDLERS, or fix the target's module name.",
                        id="django_notification_system.E004",
                    )
                )
    return errors


@checks.register()
def check_delivery_rules(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every path of ``NOTIFICATION_SYSTEM_DELIVERY_RULES`` must name a ``Rule`` subclass."""
    from django.conf import settings

    from .rules.checks import rule_problems

    paths = getattr(settings, "NOTIFICATION_SYSTEM_DELIVERY_RULES", None)
    if paths is None:
        return []
    return [
        checks.Error(problem, id="django_notification_system.E030")
        for problem in rule_problems(paths)
    ]
