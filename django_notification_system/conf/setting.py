"""What a declared setting is, and how its value is read and validated at call time.

A :class:`Setting` pairs a name with its default, its one-line doc and a validator. A
validator never raises: it returns a :class:`Checked`, the usable value (or :data:`INVALID`)
with *every* :class:`Problem` it found, so that ``manage.py check`` can report them all in
one run while the accessors (:func:`checked`) raise the first error naming the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings

from ..exceptions import NotificationSystemConfigurationError

#: Prefix of every setting this package reads.
PREFIX = "NOTIFICATION_SYSTEM_"


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


#: The value of a :class:`Checked` when nothing usable could be read from the setting.
INVALID: Any = _Invalid()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a setting, worded for a person: names the exact key.

    ``code`` becomes the system-check id ``django_notification_system.<code>``; a
    ``warning`` is reported but does not stop an accessor from returning a value.
    """

    message: str
    code: str = "E001"
    hint: str = ""
    warning: bool = False


class Checked(NamedTuple):
    """What a validator makes of a value: the usable value and every problem found."""

    value: Any
    problems: list[Problem]


#: ``validate(name, raw value) -> Checked``; never raises.
Validator = Callable[[str, Any], Checked]
#: ``extra(name, usable value) -> problems``: a check contributed from above ``conf``.
ExtraValidator = Callable[[str, Any], list[Problem]]


@dataclass(frozen=True)
class Setting:
    """One ``NOTIFICATION_SYSTEM_*`` setting: default, one-line doc, validation."""

    name: str
    default: Any
    doc: str
    validate: Validator = field(compare=False)

    def read(self) -> Any:
        """The project's value, or the default when the setting is absent."""
        return getattr(settings, self.name, self.default)

    def check(self) -> Checked:
        """The project's value validated: usable value and every problem."""
        return self.validate(self.name, self.read())


#: Every declared setting by name, in declaration order (filled by :mod:`.registry`).
REGISTRY: dict[str, Setting] = {}


def declare(name: str, default: Any, doc: str, validate: Validator) -> Setting:
    """Declare setting ``name`` once; a second declaration is a programming error."""
    if not name.startswith(PREFIX) or name in REGISTRY:
        raise ValueError(f"{name} is declared twice or lacks the {PREFIX} prefix")
    REGISTRY[name] = Setting(name, default, doc, validate)
    return REGISTRY[name]


def declared(name: str) -> Setting:
    """The declaration of ``name``; ``KeyError`` for a name this package does not read."""
    if name not in REGISTRY:
        raise KeyError(f"{name} is not a django-notification-system setting")
    return REGISTRY[name]


def error_of(problems: list[Problem]) -> NotificationSystemConfigurationError | None:
    """The exception for the first error among ``problems``, or ``None`` when there is none."""
    for problem in problems:
        if not problem.warning:
            return NotificationSystemConfigurationError(problem.message)
    return None


def checked(name: str) -> Any:
    """Setting ``name``'s usable value, read now; its first error raised when it has one."""
    value, problems = declared(name).check()
    error = error_of(problems)
    if error is not None:
        raise error
    return value
