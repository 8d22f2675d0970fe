"""Error classification shared by the channels: HTTP statuses, Retry-After, error text.

Each channel keeps its own provider-code table in its module; what is common to every HTTP
provider (429 and 5xx are transient, other 4xx are permanent) lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from .base import Failed, Outcome, Retry

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


def parse_retry_after(value: str | None) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay; ``None`` if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(when - datetime.now(timezone.utc), timedelta(0))


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
