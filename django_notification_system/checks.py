"""Django system checks: report every misconfiguration by its key, in one run.

The registry (:mod:`.conf.registry`) validates each declared setting's value; this module
wires in what needs more than the value (``EXTRA_VALIDATORS``: imports, handler modules,
templates, a second setting), and warns about ``NOTIFICATION_SYSTEM_*`` names the package
does not read. Being the wiring, it may import any part of the package.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import URLResolver, get_resolver

from . import conf
from .conf.category import SETTING as CATEGORIES
from .conf.category_options import check_digest, check_throttle
from .conf.names import did_you_mean
from .conf.registry import settings_problems, undeclared_problems
from .conf.setting import ExtraValidator, Problem
from .notification_handlers.problems import (
    has_handler,
    known_channel_names,
    module_entry_problems,
    targets_problems,
)
from .rules.checks import rule_problems

PREFIX = "django_notification_system."
_CHANNELS_HINT = "Channels are targets' notification_module_name values."


def _module_entries(name: str, entries: list[str]) -> list[Problem]:
    hint = "Entries are dotted module paths or directories (see docs/settings.rst)."
    return [Problem(p, "E002", hint) for p in module_entry_problems(name, entries)]


def _targets(name: str, targets: dict) -> list[Problem]:
    return [Problem(problem, "E003") for problem in targets_problems(targets)]


def _enqueue_backend(name: str, backend: str | None) -> list[Problem]:
    """The framework named by ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE`` must be importable,
    and for Celery the project must have created its app (a warning, W005, if not)."""
    if backend is None:
        return []
    module = "workers.tasks" if backend == "tasks" else "workers.celery"
    try:
        imported = importlib.import_module(f"{PREFIX}{module}")
    except ImportError as exc:
        problem = str(exc)
    else:
        missing = getattr(imported, "framework_task", True) is None
        problem = imported.INSTALL_HINT if missing else None
    if problem is not None:
        return [Problem(f"{name} is {backend!r} but {problem}", "E005")]
    if backend == "celery" and not imported.project_app_configured():
        return [_no_celery_app(name)]
    return []


def _no_celery_app(name: str) -> Problem:
    """Enqueueing without the project's Celery app reaches Celery's default broker, silently."""
    return Problem(
        f"{name} is 'celery' but the project has created no Celery app in this process: "
        "notifications would be enqueued on Celery's default app (a broker at "
        "amqp://localhost), not on the project's workers.",
        "W005",
        "Create the app in myproject/celery.py and import it when Django starts: "
        "`from .celery import app as celery_app` in myproject/__init__.py "
        "(see docs/workers.rst).",
        warning=True,
    )


def _category_channels(name: str, declared: dict) -> list[Problem]:
    """Each channel a category names in ``defaults`` or ``required`` needs a handler."""
    problems, known = [], None
    for category in declared.values():
        for channel in sorted(category.channels()):
            if has_handler(channel):
                continue
            known = known_channel_names() if known is None else known
            problems.append(
                Problem(
                    f'{name}["{category.key}"] names channel {channel!r}, but no handler '
                    f"module provides it.{did_you_mean(channel, known, sentence=True)}",
                    "E008",
                    "Channels are targets' notification_module_name values; known: "
                    + ", ".join(known),
                )
            )
    return problems


def _template_problem(template: str) -> str | None:
    try:
        get_template(template)
    except TemplateDoesNotExist:
        return "is not found by the template loaders"
    except TemplateSyntaxError as exc:
        return f"has a syntax error: {exc}"
    return None


def _digests_and_throttles(name: str, declared: dict) -> list[Problem]:
    """A valid ``digest`` or ``throttle`` needs its templates and a handler per channel."""
    problems = []
    for key, category in declared.items():
        digest, throttle = check_digest(category)[0], check_throttle(category)[0]
        if digest is not None:
            where = f'{name}["{key}"]["digest"]'
            for option in ("template", "subject_template"):
                template = getattr(digest, option)
                problem = template and _template_problem(template)
                if problem:
                    problems.append(
                        Problem(f'{where}["{option}"] {template!r} {problem}.', "E021")
                    )
        for option, config in (("throttle", throttle), ("digest", digest)):
            for channel in sorted(config.channels) if config else ():
                if not has_handler(channel):
                    problems.append(
                        Problem(
                            f'{name}["{key}"]["{option}"]["channels"] names {channel!r}, but '
                            "no handler module provides it.",
                            "E022",
                            _CHANNELS_HINT,
                        )
                    )
    return problems


def _unsubscribe_links(name: str, declared: dict) -> list[Problem]:
    """A warning when categorised email could be unsubscribed from but links cannot be built."""
    try:
        base_url = conf.public_base_url()
    except ImproperlyConfigured:
        return []  # reported as an error with the other settings
    if not declared or base_url or all(c.is_locked("email") for c in declared.values()):
        return []
    message = (
        f"{name} is set but NOTIFICATION_SYSTEM_PUBLIC_BASE_URL is not: categorised "
        "emails will carry no one-click unsubscribe (List-Unsubscribe) header."
    )
    hint = (
        "Set NOTIFICATION_SYSTEM_PUBLIC_BASE_URL to the site's public URL, e.g. "
        "'https://www.example.com'."
    )
    return [Problem(message, "W001", hint, warning=True)]


#: Checks beyond a setting's declared validation, by setting name; each runs on the usable
#: value. A capability above ``conf`` contributes its check here (e.g. the delivery rules'
#: "imports and is a Rule subclass").
def _delivery_rules(name: str, paths: list[str]) -> list[Problem]:
    """Each path must import and name a ``Rule`` subclass."""
    return [Problem(problem, "E030") for problem in rule_problems(paths)]


def _lease_outlasts_handlers(name: str, lease: int) -> list[Problem]:
    """The lease must be at least twice the handler timeout.

    A row's lease has to outlive its handler call and the record step after it; a shorter
    one lets a second run claim rows still being sent and send them again.
    """
    timeout_setting = "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT"
    try:
        timeout = conf.handler_timeout()
    except ImproperlyConfigured:
        return []  # reported with that setting
    if lease >= 2 * timeout:
        return []
    return [
        Problem(
            f"{name} is {lease} s, shorter than twice {timeout_setting} ({timeout} s): a "
            "second run could claim rows still being sent and send them again.",
            "E042",
            f"Set {name} to at least {2 * timeout}, or lower {timeout_setting}.",
        )
    ]


EXTRA_VALIDATORS: dict[str, list[ExtraValidator]] = {
    "NOTIFICATION_SYSTEM_HANDLERS": [_module_entries],
    "NOTIFICATION_SYSTEM_CREATORS": [_module_entries],
    "NOTIFICATION_SYSTEM_TARGETS": [_targets],
    "NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE": [_enqueue_backend],
    CATEGORIES: [_unsubscribe_links, _category_channels, _digests_and_throttles],
    "NOTIFICATION_SYSTEM_DELIVERY_RULES": [_delivery_rules],
    "NOTIFICATION_SYSTEM_LEASE_SECONDS": [_lease_outlasts_handlers],
}

#: URLconf modules that serve anymail's tracking webhooks.
ANYMAIL_WEBHOOK_URLCONFS = frozenset({f"{PREFIX}tracking.anymail_urls", "anymail.urls"})


def _includes_urlconf(patterns: list, names: frozenset) -> bool:
    """True when ``patterns`` include (at any depth) a URLconf module named in ``names``."""
    for pattern in patterns:
        if not isinstance(pattern, URLResolver):
            continue
        urlconf = pattern.urlconf_name
        name = urlconf if isinstance(urlconf, str) else getattr(urlconf, "__name__", None)
        if name in names or _includes_urlconf(pattern.url_patterns, names):
            return True
    return False


def _webhook_secret() -> str | None:
    anymail = getattr(settings, "ANYMAIL", None)
    secret = anymail.get("WEBHOOK_SECRET") if isinstance(anymail, dict) else None
    return secret or getattr(settings, "ANYMAIL_WEBHOOK_SECRET", None)


@checks.register(checks.Tags.urls)
def check_anymail_webhook_secret(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """anymail's tracking webhooks served without ``ANYMAIL["WEBHOOK_SECRET"]`` are an error.

    Without the secret anymail accepts unauthenticated calls (it only warns), so anyone can
    post a forged bounce or complaint that deactivates a real address.
    """
    try:
        patterns = get_resolver().url_patterns
    except Exception:
        return []  # a broken URLconf is Django's own check's to report
    if not _includes_urlconf(patterns, ANYMAIL_WEBHOOK_URLCONFS) or _webhook_secret():
        return []
    return [
        checks.Error(
            'anymail\'s tracking webhooks are in the URLconf but ANYMAIL["WEBHOOK_SECRET"] is '
            "not set: anyone could post a forged bounce that deactivates a real address.",
            hint='Set ANYMAIL["WEBHOOK_SECRET"] to "random-user:random-password" and give the '
            "ESP the webhook URL with those credentials (see the tracking docs).",
            id=f"{PREFIX}E041",
        )
    ]


def _check_message(problem: Problem) -> checks.CheckMessage:
    level: Any = checks.Warning if problem.warning else checks.Error
    return level(problem.message, hint=problem.hint or None, id=f"{PREFIX}{problem.code}")


@checks.register()
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every problem of every setting this package reads, each by its exact key.

    Runs with plain ``manage.py check`` (no database): bad values, handler/creator entries
    that cannot be imported, unknown channel, option or category keys (with a suggestion),
    every missing required key of a configured channel, missing SDKs, and settings named
    ``NOTIFICATION_SYSTEM_*`` that the package does not read.
    """
    problems = settings_problems(EXTRA_VALIDATORS) + undeclared_problems()
    return [_check_message(problem) for problem in problems]


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


#: The provider SDKs the handlers are written against: distribution name -> (oldest supported
#: version, the extra that installs a supported one). Matches pyproject.toml's extras (a test
#: holds them together). An older SDK may import and then fail every send (1.5.3 pinned
#: ``exponent-server-sdk<1.0``, which stays installed after an upgrade).
SUPPORTED_SDKS: dict[str, tuple[str, str]] = {
    "exponent-server-sdk": ("2.1", "expo"),
    "twilio": ("9", "twilio"),
    "pywebpush": ("2.0", "webpush"),
    "django-anymail": ("10", "anymail"),
}


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string (``"0.3.1.post1"`` -> ``(0, 3, 1)``)."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


@checks.register()
def check_sdk_versions(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every installed provider SDK is one the handlers support (not too old).

    Reads installed versions from package metadata only: nothing is imported, and an SDK
    that is not installed is not a problem here (its channel says which extra to install).
    """
    errors: list[checks.CheckMessage] = []
    for package, (oldest, extra) in SUPPORTED_SDKS.items():
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
        if _release(installed) >= _release(oldest):
            continue
        errors.append(
            checks.Error(
                f"{package} {installed} is installed, but the {extra!r} channel needs "
                f"{package}>={oldest}: its sends would fail.",
                hint=f'Install a supported version: pip install "django-notification-system'
                f'[{extra}]" (or uninstall {package} if you do not use that channel).',
                id=f"{PREFIX}E040",
            )
        )
    return errors
