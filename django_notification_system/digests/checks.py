"""System checks for the ``digest`` option of ``NOTIFICATION_SYSTEM_CATEGORIES``."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from ..notification_handlers.loading import find_module
from ..preferences import categories
from .config import SETTING, parse_digest
from .throttle import parse_throttle


def _template_problem(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return "is not found by the template loaders"
    except TemplateSyntaxError as exc:
        return f"has a syntax error: {exc}"
    return None


def _channel_missing(channel: str) -> bool:
    try:
        return find_module(channel, "handlers") is None
    except (ImportError, ImproperlyConfigured):
        return False  # the module exists but fails to import: reported by E004


def _check_throttle(key: str, category) -> list[checks.CheckMessage]:
    try:
        config = parse_throttle(category)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_notification_system.E023")]
    if config is None:
        return []
    return [
        checks.Error(
            f'{SETTING}["{key}"]["throttle"]["channels"] names {channel!r}, but no handler '
            "module provides it.",
            hint="Channels are targets' notification_module_name values.",
            id="django_notification_system.E022",
        )
        for channel in sorted(config.channels)
        if _channel_missing(channel)
    ]


def check_digests() -> list[checks.CheckMessage]:
    """Errors naming the category for a malformed ``digest`` or ``throttle`` option, a
    template that cannot be loaded or a channel no handler serves; a warning for a digest on
    a critical category (critical notifications are never held)."""
    try:
        declared = categories()
    except ImproperlyConfigured:
        return []  # reported by the categories check
    messages: list[checks.CheckMessage] = []
    for key, category in declared.items():
        messages.extend(_check_throttle(key, category))
        try:
            config = parse_digest(category)
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="django_notification_system.E020"))
            continue
        if config is None:
            continue
        where = f'{SETTING}["{key}"]["digest"]'
        if category.critical:
            messages.append(
                checks.Warning(
                    f"{where} is ignored: the category is critical, and critical "
                    "notifications are never held for a digest.",
                    id="django_notification_system.W020",
                )
            )
        names = {"template": config.template, "subject_template": config.subject_template}
        for option, name in names.items():
            problem = name and _template_problem(name)
            if problem:
                messages.append(
                    checks.Error(
                        f'{where}["{option}"] {name!r} {problem}.',
                        id="django_notification_system.E021",
                    )
                )
        for channel in sorted(config.channels):
            if _channel_missing(channel):
                messages.append(
                    checks.Error(
                        f'{where}["channels"] names {channel!r}, but no handler module '
                        "provides it.",
                        hint="Channels are targets' notification_module_name values.",
                        id="django_notification_system.E022",
                    )
                )
    return messages
