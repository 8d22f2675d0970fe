"""Error classification shared by the channels: HTTP statuses, Retry-After, error text,
and what of an exception may be logged (its type and a redacted reason, never the data).

Each channel keeps its own provider-code table in its module; what is common to every HTTP
provider (429 and 5xx are transient, other 4xx are permanent) lives here.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .outcomes import Failed, Outcome, Retry

#: 4xx statuses that mean "try again later" rather than "this request is wrong".
TRANSIENT_CLIENT_STATUSES = {408, 409, 425, 429}

MAX_ERROR_LENGTH = 1000


def describe(exc: BaseException) -> str:
    """``"ExceptionType: message"``, short enough for ``last_error``."""
    try:
        message = str(exc)
    except Exception:  # some SDK exceptions fail to format when half-built
        message = " ".join(map(str, exc.args))
    return f"{type(exc).__name__}: {message}".strip()[:MAX_ERROR_LENGTH]


#: A Retry-After beyond this is absurd; the dispatcher clamps every provider delay to
#: ``NOTIFICATION_SYSTEM_MAX_BACKOFF_MINUTES`` anyway, this only keeps parsing finite.
MAX_RETRY_AFTER = timedelta(days=366)


def parse_retry_after(value: str | None) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay; ``None`` if absent/bad.

    Any value, however large or far in the future, gives a delay of at most
    :data:`MAX_RETRY_AFTER`: no later date arithmetic can overflow.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # More than 8 digits is over three years: no need to convert a huge number.
        seconds = int(value) if len(value) <= 8 else MAX_RETRY_AFTER.total_seconds()
        return min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        delay = when - datetime.now(timezone.utc)
    except OverflowError:
        return MAX_RETRY_AFTER
    return min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


def retry_after_header(headers: Mapping[str, str] | None) -> timedelta | None:
    """The ``Retry-After`` of a response's headers (any case), parsed."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "retry-after":
            return parse_retry_after(value)
    return None


def outcome_for_http_status(
    status: int | None, error: str, retry_after: timedelta | None = None
) -> Outcome:
    """No response, 429, 408 or 5xx -> Retry (honouring Retry-After); other 4xx -> Failed."""
    if status is not None and 400 <= status < 500 and status not in TRANSIENT_CLIENT_STATUSES:
        return Failed(error)
    return Retry(error, after=retry_after)


# --- redaction: what may be logged about a failure ---------------------------------------

#: Patterns of personal data in exception messages: quoted values (``repr`` of a header,
#: an address), email addresses, Expo push tokens, phone numbers and long digit runs.
_REDACTIONS = (
    (re.compile(r"Expo(?:nent)?PushToken\[[^\]]*\]?"), "[token]"),
    (re.compile(r"(?<![A-Za-z])'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""), "'[redacted]'"),
    (re.compile(r"[^\s'\"<>()\[\],;:]+@[^\s'\"<>()\[\],;:]+"), "[address]"),
    (re.compile(r"\+\d[\d\s().-]{5,}\d|\b\d{7,}\b"), "[number]"),
)
MAX_REASON_LENGTH = 300


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` without personal data: each of ``known`` (the address, title, body of the
    notification at hand) and anything that looks like an address, a phone number, a push
    token or a quoted value is replaced by a placeholder."""
    values = {v for v in known if isinstance(v, str) and len(v) > 2}
    values |= {repr(v)[1:-1] for v in values}  # as it appears inside a repr()
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "[redacted]")
    for pattern, placeholder in _REDACTIONS:
        text = pattern.sub(placeholder, text)
    return text


def redacted_reason(exc: BaseException, known: Iterable[str] = ()) -> str:
    """``"ExceptionType: reason"`` with the reason redacted: safe to log."""
    try:
        message = str(exc)
    except Exception:
        message = ""
    reason = redact(" ".join(message.split()), known)
    return f"{type(exc).__name__}: {reason}".strip().rstrip(":")[:MAX_REASON_LENGTH]


def log_failure(
    log: logging.Logger, message: str, *args: Any, exc: BaseException, known: Iterable[str] = ()
) -> None:
    """Log an unexpected exception at ERROR: ``message``, the redacted reason and the stack
    (file, line, code) without the exception's text, which may hold addresses or titles."""
    stack = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    log.error(message + ": %s\n%s", *args, redacted_reason(exc, known), stack)
