"""``NOTIFICATION_SYSTEM_CATEGORIES`` read at call time: every problem of every category.

The validator (:func:`check_categories`) goes through every category and every option and
reports each problem by its key, so one typo never hides the next. The accessors
(:func:`categories`, :func:`get_category`, :func:`digest_configs`, :func:`throttle_configs`)
raise the first error; capabilities read categories here, below all of them.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from .category import ANY, CATEGORY_OPTIONS, MAX_KEY_LENGTH, SETTING, Category
from .category_options import DigestConfig, ThrottleConfig, check_digest, check_throttle
from .names import did_you_mean
from .setting import INVALID, Checked, Problem, checked
from .values import is_list_of_names

CATEGORY_CODE = "E007"


def _problem(key: str, message: str) -> Problem:
    return Problem(f'{SETTING}["{key}"]{message}', CATEGORY_CODE)


def _key_problem(key: Any) -> Problem | None:
    if not isinstance(key, str) or not key or key == ANY or "/" in key:
        return Problem(
            f"{SETTING} keys must be non-empty strings without '/' and other than '*', "
            f"not {key!r}",
            CATEGORY_CODE,
        )
    if len(key) > MAX_KEY_LENGTH:
        return _problem(key, f" is longer than {MAX_KEY_LENGTH} characters")
    return None


def _unknown_options(key: str, options: dict) -> list[Problem]:
    known = list(CATEGORY_OPTIONS)
    return [
        _problem(
            key,
            f" has unknown option {option!r}.{did_you_mean(str(option), known, sentence=True)}"
            f" Known options: {', '.join(known)}",
        )
        for option in options
        if option not in CATEGORY_OPTIONS
    ]


def _category(key: str, options: dict) -> tuple[Category, list[Problem]]:
    """The category with each malformed option left at its default, and the problems."""
    problems = _unknown_options(key, options)
    label = options.get("label", key)
    if not isinstance(label, str):
        problems.append(_problem(key, '["label"] must be a string'))
        label = key
    defaults = options.get("defaults", {})
    if not isinstance(defaults, dict) or not all(
        isinstance(c, str) and isinstance(v, bool) for c, v in defaults.items()
    ):
        problems.append(_problem(key, '["defaults"] must be a dict of channel name -> True/False'))
        defaults = {}
    required = options.get("required", [])
    if not is_list_of_names(required):
        problems.append(_problem(key, '["required"] must be a list of channel names'))
        required = []
    critical = options.get("critical", False)
    if not isinstance(critical, bool):
        problems.append(_problem(key, '["critical"] must be True or False'))
        critical = False
    for channel in sorted(required):
        if defaults.get(channel) is False:
            problems.append(
                _problem(key, f": channel {channel!r} is required but off in defaults")
            )
    category = Category(
        key=key,
        label=label,
        defaults=MappingProxyType(dict(defaults)),
        required=frozenset(required),
        critical=critical,
        options=MappingProxyType(dict(options)),
    )
    problems += check_digest(category)[1] + check_throttle(category)[1]
    return category, problems


def check_categories(name: str, value: Any) -> Checked:
    """Every category that can be read (malformed options at their defaults), and every
    problem of every category: shape, keys, options, ``digest`` and ``throttle``."""
    if not isinstance(value, dict):
        message = f"{name} must be a dict of category key -> options, not {type(value).__name__}"
        return Checked(INVALID, [Problem(message, CATEGORY_CODE)])
    found: dict[str, Category] = {}
    problems: list[Problem] = []
    for key, options in value.items():
        problem = _key_problem(key)
        if problem is None and not isinstance(options, dict):
            problem = _problem(key, f" must be a dict, not {type(options).__name__}")
        if problem is not None:
            problems.append(problem)
            continue
        found[key], category_problems = _category(key, options)
        problems += category_problems
    return Checked(found, problems)


def categories() -> dict[str, Category]:
    """Every declared category by key, in declaration order; ``{}`` when none are declared.

    Raises ``NotificationSystemConfigurationError`` naming the key of a malformed entry.
    """
    return checked(SETTING)


def get_category(key: str) -> Category:
    """The category ``key``; a ``ValueError`` naming the known ones when it is not declared."""
    declared = categories()
    if key in declared:
        return declared[key]
    known = ", ".join(repr(k) for k in declared) or f"none ({SETTING} is empty)"
    hint = did_you_mean(key, declared, sentence=True) if isinstance(key, str) else ""
    raise ValueError(f"Unknown notification category {key!r}.{hint} Known categories: {known}")


def critical_categories() -> frozenset[str]:
    """Keys of the critical categories: preferences, holds and throttles never apply to them."""
    return frozenset(key for key, category in categories().items() if category.critical)


def digest_configs() -> dict[str, DigestConfig]:
    """Category key -> digest settings, for the non-critical categories with a ``digest``."""
    found = {}
    for key, category in categories().items():
        config = check_digest(category)[0]
        if config is not None and not category.critical:
            found[key] = config
    return found


def throttle_configs() -> dict[str, ThrottleConfig]:
    """Category key -> throttle, for the non-critical categories that have one."""
    found = {}
    for key, category in categories().items():
        config = check_throttle(category)[0]
        if config is not None and not category.critical:
            found[key] = config
    return found
