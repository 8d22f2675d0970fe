"""Expo push handler: the real ``exponent_server_sdk.PushClient``, chunks of at most 100,
never more than ``max_per_second`` messages per second.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["expo"]`` (see docs/channels.rst). Ticket errors are
classified with ``TICKET_ERRORS``; a failed request fails only its own chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .. import conf
from ..exceptions import MissingDependency, NotificationSystemConfigurationError
from ..models.addresses import is_expo_push_token
from .base import Delivered, Failed, InactiveAddress, Outcome, Retry
from .errors import describe, log_failure, outcome_for_http_status, retry_after_header
from .rate_limit import RateLimiter, shared_limiter

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "expo"
DEFAULT_HOST = "https://exp.host"
DEFAULT_TIMEOUT = 10
DEFAULT_MAX_PER_SECOND = 600  # Expo's documented per-project limit
MAX_MESSAGES_PER_REQUEST = 100  # Expo's limit per /push/send request

#: Push ticket ``details.error`` -> outcome. Errors not listed are retried with the error kept.
TICKET_ERRORS: dict[str, type] = {
    "DeviceNotRegistered": InactiveAddress,  # the app was uninstalled or the token expired
    "MessageTooBig": Failed,  # payload over 4096 bytes: resending will not help
    "InvalidCredentials": Failed,  # the project's FCM/APNs credentials are wrong
    "MismatchSenderId": Failed,  # FCM credentials of another sender
    "MessageRateExceeded": Retry,  # too many messages to this device: back off
}

#: ``PushMessage`` fields that ``to``, ``title`` and ``body`` do not already fill.
RESERVED_FIELDS = ("to", "title", "body")


@dataclass(frozen=True)
class ExpoSettings:
    access_token: str | None
    host: str
    timeout: float
    max_per_second: int


def expo_settings() -> ExpoSettings:
    """Read ``NOTIFICATION_SYSTEM_TARGETS["expo"]`` with its documented defaults."""
    option = conf.target_option
    max_per_second = option(CHANNEL, "max_per_second", DEFAULT_MAX_PER_SECOND)
    if (
        isinstance(max_per_second, bool)
        or not isinstance(max_per_second, int)
        or (max_per_second < 1)
    ):
        raise NotificationSystemConfigurationError(
            f'NOTIFICATION_SYSTEM_TARGETS["{CHANNEL}"]["max_per_second"] must be a positive '
            f"integer, not {max_per_second!r}"
        )
    return ExpoSettings(
        access_token=option(CHANNEL, "access_token", None),
        host=option(CHANNEL, "host", DEFAULT_HOST),
        timeout=option(CHANNEL, "timeout", DEFAULT_TIMEOUT),
        max_per_second=max_per_second,
    )


def import_sdk():
    """The ``exponent_server_sdk`` module, or ``MissingDependency`` naming the extra."""
    try:
        import exponent_server_sdk as sdk
    except ImportError as exc:
        raise MissingDependency("exponent_server_sdk", "expo") from exc
    return sdk


def push_message(sdk, notification):
    """The ``PushMessage`` of one notification; ``extra`` keys naming SDK fields pass through."""
    extra = notification.extra if isinstance(notification.extra, dict) else {}
    fields = {
        key: value
        for key, value in extra.items()
        if key in sdk.PushMessage._fields and key not in RESERVED_FIELDS
    }
    return sdk.PushMessage(
        to=notification.target_user_record.target_user_id,
        title=notification.title,
        body=notification.body,
        **fields,
    )


def classify_ticket(ticket) -> Outcome:
    """One push ticket onto an outcome; the ticket id becomes ``provider_message_id``."""
    if ticket.is_success():
        return Delivered(provider_message_id=ticket.id or "")
    code = (ticket.details or {}).get("error") or "unknown"
    error = f"Expo ticket error {code}: {ticket.message}"
    outcome = TICKET_ERRORS.get(code, Retry)
    return outcome(error)


def classify_request_error(exc: Exception) -> Outcome:
    """A failed /push/send request: 429/5xx/timeouts -> Retry, other 4xx -> Failed."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    error = describe(exc)
    codes = [e.get("code") for e in getattr(exc, "errors", None) or [] if isinstance(e, dict)]
    if codes:
        error = f"{error} ({', '.join(map(str, codes))})"
    if status is not None:
        error = f"HTTP {status}: {error}"
    return outcome_for_http_status(
        status, error, retry_after_header(getattr(response, "headers", None))
    )


def _session(settings: ExpoSettings):
    import requests  # a dependency of exponent_server_sdk

    session = requests.Session()
    session.headers.update(
        {
            "accept": "application/json",
            "accept-encoding": "gzip, deflate",
            "content-type": "application/json",
        }
    )
    if settings.access_token:
        session.headers["Authorization"] = f"Bearer {settings.access_token}"
    return session


@contextmanager
def push_client(settings: ExpoSettings | None = None) -> Iterator:
    """A ``PushClient`` for the configured host, access token and timeout, on its own session."""
    sdk = import_sdk()
    settings = settings or expo_settings()
    with _session(settings) as session:
        yield sdk.PushClient(host=settings.host, session=session, timeout=settings.timeout)


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Publish the batch in chunks, paced to ``max_per_second``; one outcome each, in order."""
    if not notifications:
        return []
    sdk = import_sdk()
    settings = expo_settings()
    outcomes: list[Any] = [None] * len(notifications)
    sendable: list[tuple[int, Any]] = []
    for index, notification in enumerate(notifications):
        if not is_expo_push_token(notification.target_user_record.target_user_id):
            outcomes[index] = Failed("Not an Expo push token (ExponentPushToken[...])")
            continue
        sendable.append((index, push_message(sdk, notification)))

    limiter = shared_limiter(settings.host, settings.max_per_second)
    chunk_size = min(MAX_MESSAGES_PER_REQUEST, settings.max_per_second)
    chunks = _chunks(sendable, chunk_size)
    with push_client(settings) as client:
        for chunk in chunks:
            indexes = [index for index, _ in chunk]
            for index, outcome in zip(indexes, _publish(client, limiter, chunk), strict=True):
                outcomes[index] = outcome
    logger.info(
        "expo: %d accepted, %d not accepted, %d requests",
        sum(isinstance(o, Delivered) for o in outcomes),
        sum(not isinstance(o, Delivered) for o in outcomes),
        len(chunks),
    )
    return outcomes


def _publish(client, limiter: RateLimiter, chunk: list[tuple[int, Any]]) -> list[Outcome]:
    """One /push/send request for one chunk; its failure fails only this chunk."""
    messages = [message for _, message in chunk]
    try:
        with limiter.slot(len(messages)):
            tickets = client.publish_multiple(messages)
    except Exception as exc:
        outcome = classify_request_error(exc)
        if not isinstance(exc, OSError) and getattr(exc, "response", None) is None:
            log_failure(
                logger,
                "expo: unexpected error publishing %d messages",
                len(messages),
                exc=exc,
                known=[str(getattr(m, "to", "")) for m in messages],
            )
        return [outcome] * len(messages)
    return [classify_ticket(ticket) for ticket in tickets]
