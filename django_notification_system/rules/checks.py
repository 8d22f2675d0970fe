"""What ``manage.py check`` says about ``NOTIFICATION_SYSTEM_DELIVERY_RULES``."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.module_loading import import_string

from .base import Rule


def rule_problems(paths: Iterable) -> list[str]:
    """One message per path that does not import or does not name a :class:`Rule` subclass.

    ``paths`` is already a list of strings (the settings registry checks that).
    """
    problems = []
    for path in paths:
        try:
            found = import_string(path)
        except ImportError as exc:
            problems.append(
                f"NOTIFICATION_SYSTEM_DELIVERY_RULES: {path!r} does not import ({exc})"
            )
            continue
        if not (isinstance(found, type) and issubclass(found, Rule)):
            problems.append(
                f"NOTIFICATION_SYSTEM_DELIVERY_RULES: {path!r} is not a subclass of "
                "django_notification_system.rules.Rule"
            )
    return problems
