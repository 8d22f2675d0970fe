"""Every ``NOTIFICATION_SYSTEM_*`` setting this package reads, declared once.

Each declaration gives the default, the validation and the one-line doc; docs/settings.rst
lists the same settings (a test keeps them equal), and ``manage.py check`` reports
:func:`settings_problems` plus :func:`undeclared_problems`. Checks that need more than the
value (an import, a handler module, a template) are passed in from ``checks.py`` as
``extra`` validators: ``conf`` stays at the bottom of the layering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings

from .categories import check_categories
from .category import SETTING as CATEGORIES
from .names import closest
from .setting import INVALID, PREFIX, REGISTRY, ExtraValidator, Problem, declare
from .values import (
    a_dict,
    int_between,
    is_list_of_names,
    is_number,
    must_be,
    one_of,
    positive_int,
)

#: Largest batch one claim may take: larger ones overflow the database's LIMIT.
MAX_BATCH_SIZE = 100_000
RETRY_POLICIES = ("fixed", "exponential")
#: Where creators may enqueue a ``deliver_due`` hint; ``None`` leaves delivery to cron.
ENQUEUE_BACKENDS = (None, "tasks", "celery")
#: The built-in delivery-rule chain, in order (``rules.DEFAULT_RULES`` is this list): who must
#: get nothing (opt-out, preferences, a dead address) before when (quiet hours, digests)
#: before how many (throttles).
DEFAULT_DELIVERY_RULES = [
    "django_notification_system.rules.opt_out.OptOut",
    "django_notification_system.preferences.rules.PreferenceTurnedOff",
    "django_notification_system.rules.opt_out.InactiveRecord",
    "django_notification_system.rules.addresses.UnusableAddress",
    "django_notification_system.quiet_hours.rules.QuietHours",
    "django_notification_system.digests.rules.DigestHold",
    "django_notification_system.digests.rules.Throttle",
]

_MODULE_PATHS_HINT = "Entries are dotted module paths or directories (see docs/settings.rst)."
_module_paths = must_be(
    "a list of dotted module paths or directories",
    lambda value: not isinstance(value, (str, bytes)) and isinstance(value, (list, tuple)),
    lambda value: [str(entry) for entry in value],
    code="E002",
    hint=_MODULE_PATHS_HINT,
)

# -- 1.5.3 settings, same meaning ------------------------------------------------------------
declare(
    "NOTIFICATION_SYSTEM_TARGETS",
    {},
    "Per-channel options keyed by channel (`email`, `twilio_sms`, `expo`, custom handlers).",
    a_dict(code="E003"),
)
declare(
    "NOTIFICATION_SYSTEM_HANDLERS",
    [],
    "Extra handler modules: dotted module paths, or directories as in 1.5.3.",
    _module_paths,
)
declare(
    "NOTIFICATION_SYSTEM_CREATORS",
    [],
    "Extra creator modules: dotted module paths, or directories as in 1.5.3.",
    _module_paths,
)
# -- Dispatcher ------------------------------------------------------------------------------
declare(
    "NOTIFICATION_SYSTEM_BATCH_SIZE",
    500,
    f"How many due notifications one claim takes (at most {MAX_BATCH_SIZE}).",
    positive_int(MAX_BATCH_SIZE),
)
declare(
    "NOTIFICATION_SYSTEM_LEASE_SECONDS",
    600,
    "Seconds a claimed row stays reserved for its worker.",
    positive_int(),
)
declare(
    "NOTIFICATION_SYSTEM_RETRY_POLICY",
    "fixed",
    "`fixed` (wait `retry_time_interval` minutes, as 1.5.3) or `exponential`.",
    one_of(RETRY_POLICIES),
)
declare(
    "NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES",
    24 * 60,
    "Upper bound of the exponential retry delay and of a provider's Retry-After, in minutes.",
    positive_int(),
)
declare(
    "NOTIFICATION_SYSTEM_HANDLER_TIMEOUT",
    120,
    "Seconds a handler may take for one batch before its rows go to RETRY.",
    positive_int(),
)
declare(
    "NOTIFICATION_SYSTEM_DELIVERY_RULES",
    DEFAULT_DELIVERY_RULES,
    "The delivery-rule chain: dotted paths to Rule subclasses, run in order.",
    must_be(
        "a list of dotted paths to Rule subclasses",
        lambda value: isinstance(value, (list, tuple)) and is_list_of_names(value),
        list,
        code="E006",
    ),
)
# -- Links, categories, quiet hours, digests --------------------------------------------------
declare(
    "NOTIFICATION_SYSTEM_PUBLIC_BASE_URL",
    "",
    "The site's public base URL, for webhook signatures and links in emails.",
    must_be(
        "an http(s) URL such as 'https://example.com'",
        lambda value: (
            isinstance(value, str) and (not value or value.startswith(("http://", "https://")))
        ),
        lambda value: value.rstrip("/"),
    ),
)
declare(
    CATEGORIES,
    {},
    "The notification categories users choose about, with their digest and throttle options.",
    check_categories,
)
declare(
    "NOTIFICATION_SYSTEM_QUIET_HOURS_CHANNELS",
    ["twilio", "expo"],
    "Channels (`notification_module_name`) held back during a user's quiet hours.",
    must_be(
        "a list of channel names (notification_module_name), e.g. ['twilio', 'expo']",
        is_list_of_names,
        list,
    ),
)
declare(
    "NOTIFICATION_SYSTEM_DIGEST_HOUR",
    9,
    "Local hour (0-23) at which daily and weekly digests go out.",
    int_between(0, 23, "an hour of the day"),
)
declare(
    "NOTIFICATION_SYSTEM_DIGEST_WEEKDAY",
    0,
    "Weekday of weekly digests, 0 = Monday to 6 = Sunday.",
    int_between(0, 6, "0 = Monday, 6 = Sunday"),
)
# -- Workers ---------------------------------------------------------------------------------
declare(
    "NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE",
    None,
    "What creators enqueue after commit: None (cron only), `tasks` or `celery`.",
    one_of(ENQUEUE_BACKENDS, "None, 'tasks' or 'celery'"),
)
declare(
    "NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS",
    0.2,
    "Seconds within which one process folds its `deliver_due` enqueues into one.",
    must_be(
        "a number of seconds between 0 and 60",
        lambda value: is_number(value) and 0 <= value <= 60,
        float,
    ),
)

UNDECLARED_CODE = "W002"


def settings_problems(
    extra: Mapping[str, Sequence[ExtraValidator]] | None = None,
) -> list[Problem]:
    """Every problem of every declared setting, in declaration order.

    ``extra[name]`` validators run on the setting's usable value (even when the declared
    validation found problems in parts of it), never on a value that is unusable as a whole.
    """
    problems: list[Problem] = []
    for name, setting in REGISTRY.items():
        value, found = setting.check()
        problems += found
        if value is not INVALID:
            for validate in (extra or {}).get(name, ()):
                problems += validate(name, value)
    return problems


def undeclared_problems(names: Iterable[str] | None = None) -> list[Problem]:
    """A warning for each ``NOTIFICATION_SYSTEM_*`` name in ``names`` (default: the project's
    settings) that this package does not read: a typo that would silently do nothing."""
    names = dir(settings) if names is None else names
    problems = []
    for name in sorted(n for n in names if n.startswith(PREFIX) and n not in REGISTRY):
        # Compared without the prefix they share, which would make every name look close.
        suggestion = closest(name[len(PREFIX) :], [known[len(PREFIX) :] for known in REGISTRY])
        hint = f"; did you mean {PREFIX}{suggestion}?" if suggestion else "."
        problems.append(
            Problem(
                f"{name} is not a django-notification-system setting and is ignored{hint}",
                UNDECLARED_CODE,
                hint="Every setting is listed in docs/settings.rst.",
                warning=True,
            )
        )
    return problems
