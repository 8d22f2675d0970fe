"""Find channel and handler-module mistakes before they cost a notification, one message each.

The system checks (``manage.py check``), ``process_notifications --dry-run`` and the
dispatcher's configuration-error path all ask this module, so a typo is reported the same
way everywhere: by setting name, with a "did you mean" suggestion, every missing key of a
channel in one message, and the ``pip install`` line of a missing SDK. It is about handler
modules, so it lives beside them: it reads ``conf`` and the models, nothing above.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf
from ..conf.names import did_you_mean
from .channel import ChannelHandler
from .loading import _is_directory_entry, find_module

TARGETS = "NOTIFICATION_SYSTEM_TARGETS"


@dataclass(frozen=True)
class ChannelSpec:
    """What a channel accepts in ``NOTIFICATION_SYSTEM_TARGETS[key]``.

    ``options`` is ``None`` when the channel does not declare its options (a custom handler
    without ``OPTIONS``): unknown keys are then not reported. Each ``required`` item is a
    key, or a tuple of keys of which one must be set.
    """

    key: str
    module: str
    options: frozenset[str] | None = None
    required: tuple[str | tuple[str, ...], ...] = ()
    sdk: str | None = None
    extra: str | None = None
    validate: str | None = field(default=None, compare=False)


#: The built-in channels, by their ``NOTIFICATION_SYSTEM_TARGETS`` key (see docs/channels.rst).
BUILTIN_CHANNELS: dict[str, ChannelSpec] = {
    spec.key: spec
    for spec in (
        ChannelSpec(
            "email",
            "email",
            frozenset({"from_email", "timeout", "concurrency"}),
        ),
        ChannelSpec(
            "twilio_sms",
            "twilio",
            frozenset(
                {
                    "account_sid",
                    "auth_token",
                    "sender",
                    "messaging_service_sid",
                    "status_callback",
                    "timeout",
                    "concurrency",
                    "api_base_url",
                    "prefix_title",
                }
            ),
            required=("account_sid", "auth_token", ("sender", "messaging_service_sid")),
            sdk="twilio",
            extra="twilio",
            validate="django_notification_system.notification_handlers.twilio.twilio_settings",
        ),
        ChannelSpec(
            "expo",
            "expo",
            frozenset({"access_token", "host", "timeout", "max_per_second", "concurrency"}),
            sdk="exponent_server_sdk",
            extra="expo",
            validate="django_notification_system.notification_handlers.expo.expo_settings",
        ),
        ChannelSpec(
            "webpush",
            "webpush",
            frozenset({"vapid_private_key", "vapid_subject", "ttl", "timeout", "concurrency"}),
            required=("vapid_private_key", "vapid_subject"),
            sdk="pywebpush",
            extra="webpush",
            validate="django_notification_system.notification_handlers.webpush.webpush_settings",
        ),
    )
}
_BUILTIN_BY_MODULE = {spec.module: spec for spec in BUILTIN_CHANNELS.values()}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# -- NOTIFICATION_SYSTEM_HANDLERS / _CREATORS ----------------------------------------------


def module_entry_problems(setting: str, entries: Sequence[str]) -> list[str]:
    """Entries of a module-path setting that are neither importable nor a directory."""
    problems = []
    for entry in entries:
        if _is_directory_entry(entry):
            if not Path(entry).is_dir():
                problems.append(f"{setting} entry {entry!r} is not a directory")
            continue
        try:
            importlib.import_module(entry)
        except Exception as exc:
            problems.append(f"{setting} entry {entry!r} cannot be imported: {_describe(exc)}")
    return problems


def module_path_problems(setting: str) -> list[str]:
    """What is wrong with a module-path setting: its shape, else each unusable entry."""
    try:
        entries = conf.module_paths(setting)
    except ImproperlyConfigured as exc:
        return [str(exc)]
    return module_entry_problems(setting, entries)


# -- NOTIFICATION_SYSTEM_TARGETS -----------------------------------------------------------


def _custom_module(name: str) -> ModuleType | None:
    """A custom handler module named ``name``, or ``None`` (import errors reported elsewhere)."""
    if name in _BUILTIN_BY_MODULE:
        return None
    try:
        return find_module(name, "handlers")
    except Exception:
        return None


def _spec_of_module(module_name: str, module: ModuleType | None) -> ChannelSpec | None:
    if module_name in _BUILTIN_BY_MODULE:
        return _BUILTIN_BY_MODULE[module_name]
    if module is None:
        return None
    options = getattr(module, "OPTIONS", None)
    required = tuple(getattr(module, "REQUIRED_OPTIONS", ()))
    handler = _channel_handler(module)
    key = getattr(module, "CHANNEL", module_name)
    if handler is not None:
        key = handler.channel or key
        if options is not None:
            options = frozenset(options) | PIPELINE_OPTIONS
    return ChannelSpec(
        key=str(key),
        module=module_name,
        options=None if options is None else frozenset(options) | _flat(required),
        required=required,
    )


#: The options every ``ChannelHandler`` reads (see ``ChannelHandler.options``).
PIPELINE_OPTIONS = frozenset({"concurrency", "timeout", "max_per_second"})


def _channel_handler(module: ModuleType | None) -> type[ChannelHandler] | None:
    handler = getattr(module, "Handler", None)
    return handler if isinstance(handler, type) and issubclass(handler, ChannelHandler) else None


def _validators(spec: ChannelSpec) -> list:
    """The spec's own validator, then the pipeline options of its ``Handler`` class, if any."""
    checks = [import_string(spec.validate)] if spec.validate else []
    try:
        handler = _channel_handler(find_module(spec.module, "handlers"))
    except Exception:  # an import error is reported by the module checks
        handler = None
    if handler is not None:
        checks.append(handler.options)
    return checks


def _flat(required: Sequence[str | tuple[str, ...]]) -> frozenset[str]:
    return frozenset(k for item in required for k in ((item,) if isinstance(item, str) else item))


def channel_spec(key: str) -> ChannelSpec | None:
    """The spec of the channel whose options live under ``NOTIFICATION_SYSTEM_TARGETS[key]``."""
    if key in BUILTIN_CHANNELS:
        return BUILTIN_CHANNELS[key]
    module = _custom_module(key)
    if module is None:
        return None
    spec = _spec_of_module(key, module)
    return spec if spec is not None and spec.key == key else None


def _is_set(options: dict, key: str) -> bool:
    return options.get(key) not in (None, "")


def _missing(spec: ChannelSpec, options: dict) -> list[str]:
    missing = []
    for item in spec.required:
        if isinstance(item, str):
            if not _is_set(options, item):
                missing.append(f'"{item}"')
        elif not any(_is_set(options, key) for key in item):
            missing.append(" or ".join(f'"{key}"' for key in item))
    return missing


def sdk_problem(spec: ChannelSpec) -> str | None:
    """The install hint when the channel's optional SDK cannot be imported."""
    if spec.sdk is None:
        return None
    try:
        importlib.import_module(spec.sdk)
    except ImportError:
        return (
            f'{TARGETS}["{spec.key}"] needs the {spec.sdk!r} package, which is not installed: '
            f'pip install "django-notification-system[{spec.extra}]"'
        )
    return None


def channel_problems(spec: ChannelSpec, options: object) -> list[str]:
    """Everything wrong with one channel's options: unknown keys, missing keys, SDK, values."""
    where = f'{TARGETS}["{spec.key}"]'
    if not isinstance(options, dict):
        return [f"{where} must be a dict, not {type(options).__name__}"]
    problems = []
    if spec.options is not None:
        for key in sorted(set(options) - spec.options, key=str):
            problems.append(
                f"{where} has an unknown option {key!r}{did_you_mean(str(key), spec.options)}"
            )
    missing = _missing(spec, options)
    if missing:
        problems.append(f"{where} is missing required option(s): {', '.join(missing)}")
    sdk = sdk_problem(spec)
    if sdk:
        problems.append(sdk)
    for check in [] if problems else _validators(spec):
        try:
            check()
        except ImproperlyConfigured as exc:
            problems.append(str(exc))
            break
    return problems


#: Modules of this package that are helpers, not channels.
NOT_CHANNELS = frozenset(
    {"base", "channel", "errors", "loading", "outcomes", "pool", "problems", "rate_limit"}
)


def known_channel_names() -> list[str]:
    """Channel names a handler module exists for, as far as can be listed without importing
    a channel: the built-ins, the modules of each dotted ``NOTIFICATION_SYSTEM_HANDLERS``
    entry and the ``.py`` files of each directory entry. Used for "did you mean" hints."""
    names = {
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name not in NOT_CHANNELS
    }
    for entry in _module_entries("NOTIFICATION_SYSTEM_HANDLERS"):
        if _is_directory_entry(entry):
            names.update(p.stem for p in Path(entry).glob("*.py") if p.stem != "__init__")
            continue
        try:
            package = importlib.import_module(entry)
        except Exception:
            continue
        paths = getattr(package, "__path__", None)
        if paths is None:
            names.add(entry.rsplit(".", 1)[-1])
        else:
            names.update(info.name for info in pkgutil.iter_modules(paths))
    return sorted(names)


def has_handler(channel: str) -> bool:
    """Whether a handler module serves ``channel`` (one that fails to import counts: that is
    reported by the target check and the dispatcher, with its error)."""
    try:
        return find_module(channel, "handlers") is not None
    except (ImportError, ImproperlyConfigured):
        return True


def _module_entries(setting: str) -> list[str]:
    try:
        return conf.module_paths(setting)
    except ImproperlyConfigured:
        return []


def targets_problems(targets: dict) -> list[str]:
    """Unknown channel keys of ``targets`` and every problem of each configured channel."""
    problems = []
    for key, options in targets.items():
        spec = channel_spec(str(key))
        if spec is None:
            known = set(BUILTIN_CHANNELS) | set(known_channel_names())
            hint = (
                f" (did you mean {_BUILTIN_BY_MODULE[key].key!r}?)"
                if key in _BUILTIN_BY_MODULE
                else did_you_mean(str(key), known)
            )
            problems.append(
                f"{TARGETS} has an unknown channel {key!r}{hint}; known channels: "
                f"{', '.join(sorted(BUILTIN_CHANNELS))} and custom handler modules named "
                "after their key"
            )
            continue
        problems.extend(channel_problems(spec, options))
    return problems


def target_problems() -> list[str]:
    """What is wrong with ``NOTIFICATION_SYSTEM_TARGETS``: its shape, else each channel."""
    try:
        targets = conf.targets()
    except ImproperlyConfigured as exc:
        return [str(exc)]
    return targets_problems(targets)


def settings_problems() -> list[str]:
    """Every problem of the settings alone (no database): what plain ``check`` reports."""
    problems = []
    for setting in ("NOTIFICATION_SYSTEM_HANDLERS", "NOTIFICATION_SYSTEM_CREATORS"):
        problems.extend(module_path_problems(setting))
    problems.extend(target_problems())
    return problems


# -- One channel as the dispatcher meets it -------------------------------------------------


def handler_problems(module_name: str) -> list[str]:
    """What stops ``module_name``'s rows from being sent: handler, settings, SDK.

    Used by ``--dry-run`` for every channel with due rows, and to name every missing key
    at once when a real run meets a configuration error.
    """
    try:
        module = find_module(module_name, "handlers")
    except Exception as exc:
        return [f"handler module {module_name!r} cannot be imported: {_describe(exc)}"]
    if module is None:
        return [no_handler_problem(module_name)]
    if not callable(getattr(module, "send_batch", None)) and not callable(
        getattr(module, "send_notification", None)
    ):
        return [f"handler module {module_name!r} has neither send_batch nor send_notification"]
    spec = _spec_of_module(module_name, module)
    if spec is None:
        return []
    try:
        options = conf.targets().get(spec.key, {})
    except ImproperlyConfigured as exc:
        return [str(exc)]
    return channel_problems(spec, options)


def no_handler_problem(module_name: str) -> str:
    """The message for a channel that resolves to no handler module."""
    return (
        f"no handler module {module_name!r}: add its package or directory to "
        "NOTIFICATION_SYSTEM_HANDLERS, or fix the target's notification_module_name"
    )


def configuration_error_message(module_name: str, exc: BaseException) -> str:
    """One line for a configuration error met while sending: every known problem at once."""
    problems = handler_problems(module_name)
    return "; ".join(problems) if problems else _describe(exc)


def unknown_targets(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(names matching no target name or module name, every known name) for ``--target``."""
    from ..models import NotificationTarget

    rows = NotificationTarget.objects.values_list("name", "notification_module_name")
    known = sorted({value for row in rows for value in row})
    return [name for name in names if name not in known], known
