"""Validators for the shapes settings take: each returns every problem, naming the key.

A validator is called as ``validate(key, value)``; ``key`` is the setting's name, or the
exact key inside one (``NOTIFICATION_SYSTEM_TARGETS["expo"]["concurrency"]``), so the same
validator serves a setting and a channel option.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .setting import INVALID, Checked, Problem, Validator


def is_int(value: Any) -> bool:
    """An ``int`` that is not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An ``int`` or ``float`` that is not a ``bool``."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_list_of_names(value: Any) -> bool:
    """A list, tuple or set (not a string) of non-empty strings."""
    return (
        not isinstance(value, (str, bytes))
        and isinstance(value, (list, tuple, set, frozenset))
        and all(isinstance(item, str) and item for item in value)
    )


def must_be(
    wanted: str,
    accepts: Callable[[Any], bool],
    convert: Callable[[Any], Any] = lambda value: value,
    *,
    code: str = "E001",
    hint: str = "",
) -> Validator:
    """A validator reporting ``<key> must be <wanted>, not <value>`` when ``accepts`` fails."""

    def validate(key: str, value: Any) -> Checked:
        if not accepts(value):
            return Checked(
                INVALID, [Problem(f"{key} must be {wanted}, not {value!r}", code, hint)]
            )
        return Checked(convert(value), [])

    return validate


def positive_int(maximum: int | None = None) -> Validator:
    """An integer of at least 1 (and at most ``maximum``)."""
    positive = must_be("a positive integer", lambda value: is_int(value) and value >= 1)

    def validate(key: str, value: Any) -> Checked:
        found = positive(key, value)
        if found.problems or maximum is None or value <= maximum:
            return found
        return Checked(INVALID, [Problem(f"{key} must be at most {maximum}, not {value!r}")])

    return validate


def int_between(lowest: int, highest: int, meaning: str) -> Validator:
    """An integer from ``lowest`` to ``highest``; ``meaning`` says what it counts."""
    return must_be(
        f"an integer from {lowest} to {highest} ({meaning})",
        lambda value: is_int(value) and lowest <= value <= highest,
    )


def one_of(choices: tuple, wanted: str | None = None) -> Validator:
    """One of ``choices``, described as ``wanted`` (default: ``one of <choices>``)."""
    return must_be(wanted or f"one of {choices}", lambda value: value in choices)


def a_dict(code: str = "E001") -> Validator:
    """A ``dict``; the message names the type found, not the whole value."""

    def validate(key: str, value: Any) -> Checked:
        if isinstance(value, dict):
            return Checked(value, [])
        return Checked(
            INVALID, [Problem(f"{key} must be a dict, not {type(value).__name__}", code)]
        )

    return validate
