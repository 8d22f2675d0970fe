"""System checks for ``NOTIFICATION_SYSTEM_CATEGORIES``: shape, option names and channels,
each problem named with its key and, for a typo, the closest known name."""

from __future__ import annotations

import pkgutil
from pathlib import Path

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..notification_handlers.loading import find_module
from .categories import SETTING, categories, did_you_mean

#: Modules of ``notification_handlers`` that are helpers, not channels.
NOT_CHANNELS = frozenset({"base", "errors", "rate_limit"})


def known_channel_names() -> list[str]:
    """Channel names a handler module exists for, as far as can be listed without importing:
    the built-ins, the modules of each dotted ``NOTIFICATION_SYSTEM_HANDLERS`` package and the
    ``.py`` files of each directory entry. Used for "did you mean" hints."""
    from .. import notification_handlers

    names = [
        m.name
        for m in pkgutil.iter_modules(notification_handlers.__path__)
        if m.name not in NOT_CHANNELS
    ]
    for entry in conf.module_paths("NOTIFICATION_SYSTEM_HANDLERS"):
        directory = Path(entry)
        if directory.is_dir():
            names.extend(p.stem for p in directory.glob("*.py") if p.stem != "__init__")
            continue
        names.append(entry.rsplit(".", 1)[-1])
        try:
            package = __import__(entry, fromlist=["__path__"])
        except ImportError:
            continue
        names.extend(m.name for m in pkgutil.iter_modules(getattr(package, "__path__", [])))
    return sorted(set(names))


def _has_handler(channel: str) -> bool:
    try:
        return find_module(channel, "handlers") is not None
    except (ImportError, ImproperlyConfigured):
        return True  # the module exists but fails to import: E004 and the dispatcher report it


def _unsubscribe_warning(declared: dict) -> list[checks.CheckMessage]:
    """A warning when categorised email could be unsubscribed from but links cannot be built."""
    try:
        base_url = conf.public_base_url()
    except ImproperlyConfigured:
        return []  # reported as an error by the settings check
    if base_url or all(c.is_locked("email") for c in declared.values()):
        return []
    return [
        checks.Warning(
            f"{SETTING} is set but NOTIFICATION_SYSTEM_PUBLIC_BASE_URL is not: categorised "
            "emails will carry no one-click unsubscribe (List-Unsubscribe) header.",
            hint="Set NOTIFICATION_SYSTEM_PUBLIC_BASE_URL to the site's public URL, e.g. "
            "'https://www.example.com'.",
            id="django_notification_system.W001",
        )
    ]


def check_categories() -> list[checks.CheckMessage]:
    """Errors for a malformed ``NOTIFICATION_SYSTEM_CATEGORIES`` or a channel nothing serves;
    a warning when one-click unsubscribe links cannot be built."""
    try:
        declared = categories()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="django_notification_system.E007")]
    errors: list[checks.CheckMessage] = _unsubscribe_warning(declared) if declared else []
    known = None
    for category in declared.values():
        for channel in sorted(category.channels()):
            if _has_handler(channel):
                continue
            if known is None:
                try:
                    known = known_channel_names()
                except ImproperlyConfigured:
                    known = []
            errors.append(
                checks.Error(
                    f'{SETTING}["{category.key}"] names channel {channel!r}, but no handler '
                    f"module provides it.{did_you_mean(channel, known)}",
                    hint="Channels are targets' notification_module_name values; known: "
                    + ", ".join(known),
                    id="django_notification_system.E008",
                )
            )
    return errors
