"""A category's ``digest`` and ``throttle`` options, parsed with every problem named.

::

    "comments": {
        "digest": {"channels": ["email"], "window": 3600, "max_items": 50,
                   "template": "myapp/comments_digest.html"},
        "throttle": {"channels": ["twilio"], "rate": "3/h", "over_limit": "digest"},
    }

``digest``: ``channels`` (required) are held for a digest; ``window`` (seconds, default
3600) after the first held item the digest goes out; ``max_items`` (default 50) sends a full
window at once and bounds a digest; ``template`` / ``subject_template`` render it.
``throttle``: at most ``rate`` (``"N/s"``, ``"N/m"``, ``"N/h"``, ``"N/d"``) messages per user
on ``channels``; ``over_limit`` is ``"digest"`` (default), ``"defer"`` or ``"drop"``.
Critical categories are never held nor throttled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .category import SETTING, Category
from .names import did_you_mean
from .setting import Problem, error_of
from .values import is_int, is_list_of_names

DEFAULT_TEMPLATE = "django_notification_system/digest.html"
DEFAULT_WINDOW = 3600
DEFAULT_MAX_ITEMS = 50
#: The keys a ``digest`` option may carry.
DIGEST_KEYS = ("channels", "window", "max_items", "template", "subject_template")
#: The keys a ``throttle`` option may carry, and its ``over_limit`` choices.
THROTTLE_KEYS = ("channels", "rate", "over_limit")
OVER_LIMIT = ("digest", "defer", "drop")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")
DIGEST_CODE, THROTTLE_CODE, CRITICAL_DIGEST_CODE = "E020", "E023", "W020"


@dataclass(frozen=True)
class DigestConfig:
    """How one category's notifications are gathered into digests."""

    category: Category
    channels: frozenset[str]
    window: int = DEFAULT_WINDOW
    max_items: int = DEFAULT_MAX_ITEMS
    template: str = DEFAULT_TEMPLATE
    subject_template: str | None = None


@dataclass(frozen=True)
class ThrottleConfig:
    """One category's throttle: ``limit`` messages per ``period`` seconds on ``channels``."""

    category: Category
    channels: frozenset[str]
    limit: int
    period: int
    over_limit: str = "digest"
    rate: str = ""

    def reason(self, channel: str) -> str:
        """Why a row was dropped, for ``last_error``."""
        return (
            f"Throttled: more than {self.rate} {self.category.key} notifications on "
            f"{channel} for this user."
        )


class _Reporter:
    """Collects the problems of ``NOTIFICATION_SYSTEM_CATEGORIES[key][option]``."""

    def __init__(self, key: str, option: str, code: str) -> None:
        self.where, self.code, self.problems = f'{SETTING}["{key}"]["{option}"]', code, []

    def add(self, message: str) -> None:
        self.problems.append(Problem(f"{self.where}{message}", self.code))


def _option_dict(report: _Reporter, options: Any, known: Sequence[str]) -> bool:
    """Whether ``options`` is a dict; reports it if not, and each unknown key in it."""
    if not isinstance(options, dict):
        report.add(f" must be a dict, not {type(options).__name__}")
        return False
    for unknown in sorted(set(options) - set(known), key=str):
        hint = did_you_mean(str(unknown), known)
        report.add(f" has unknown option {unknown!r}{hint}; known options: {', '.join(known)}")
    return True


def _channels(report: _Reporter, options: dict) -> frozenset[str]:
    channels = options.get("channels")
    if not channels or not is_list_of_names(channels):
        report.add(f'["channels"] must be a non-empty list of channel names, not {channels!r}')
        return frozenset()
    return frozenset(channels)


def _count(report: _Reporter, options: dict, name: str, default: int, least: int) -> int:
    value = options.get(name, default)
    if not is_int(value) or value < least:
        wanted = "a positive" if least else "a non-negative"
        report.add(f'["{name}"] must be {wanted} integer, not {value!r}')
    return value


def _template(report: _Reporter, options: dict, name: str, default: str | None) -> str | None:
    value = options.get(name, default)
    if value is not None and (not isinstance(value, str) or not value):
        report.add(f'["{name}"] must be a template name, not {value!r}')
    return value


def check_digest(category: Category) -> tuple[DigestConfig | None, list[Problem]]:
    """The category's digest (``None`` when it has none or it is malformed) and its problems.

    A digest on a critical category is a warning: it is valid but never used.
    """
    options = category.options.get("digest")
    if options is None:
        return None, []
    report = _Reporter(category.key, "digest", DIGEST_CODE)
    if not _option_dict(report, options, DIGEST_KEYS):
        return None, report.problems
    config = DigestConfig(
        category=category,
        channels=_channels(report, options),
        window=_count(report, options, "window", DEFAULT_WINDOW, 0),
        max_items=_count(report, options, "max_items", DEFAULT_MAX_ITEMS, 1),
        template=_template(report, options, "template", DEFAULT_TEMPLATE),
        subject_template=_template(report, options, "subject_template", None),
    )
    if report.problems:
        return None, report.problems
    if category.critical:
        message = (
            f"{report.where} is ignored: the category is critical, and critical "
            "notifications are never held for a digest."
        )
        return config, [Problem(message, CRITICAL_DIGEST_CODE, warning=True)]
    return config, []


def check_throttle(category: Category) -> tuple[ThrottleConfig | None, list[Problem]]:
    """The category's throttle (``None`` when it has none or it is malformed) and its problems."""
    options = category.options.get("throttle")
    if options is None:
        return None, []
    report = _Reporter(category.key, "throttle", THROTTLE_CODE)
    if not _option_dict(report, options, THROTTLE_KEYS):
        return None, report.problems
    channels = _channels(report, options)
    rate = options.get("rate")
    match = _RATE.match(rate) if isinstance(rate, str) else None
    if match is None or int(match.group(1)) < 1:
        report.add(f'["rate"] must look like "3/h" (N per s, m, h or d), not {rate!r}')
    over_limit = options.get("over_limit", "digest")
    if over_limit not in OVER_LIMIT:
        report.add(f'["over_limit"] must be one of {", ".join(OVER_LIMIT)}, not {over_limit!r}')
    if report.problems or match is None:
        return None, report.problems
    limit, unit = int(match.group(1)), match.group(2)
    return ThrottleConfig(
        category, channels, limit, PERIODS[unit], over_limit, rate=f"{limit}/{unit}"
    ), []


def parse_digest(category: Category) -> DigestConfig | None:
    """The category's digest settings, ``None`` when it has none; an error naming the key."""
    config, problems = check_digest(category)
    error = error_of(problems)
    if error is not None:
        raise error
    return config


def parse_throttle(category: Category) -> ThrottleConfig | None:
    """The category's throttle settings, ``None`` when it has none; an error naming the key."""
    config, problems = check_throttle(category)
    error = error_of(problems)
    if error is not None:
        raise error
    return config
