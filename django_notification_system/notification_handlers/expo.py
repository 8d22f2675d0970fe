"""Expo push handler on the :class:`~.base.ChannelHandler` pipeline: the real
``exponent_server_sdk.PushClient``, chunks of at most 100, ``concurrency`` requests at once,
never more than ``max_per_second`` messages per second.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["expo"]`` (see docs/channels.rst). Ticket errors are
classified with ``TICKET_ERRORS``; a failed request fails only its own chunk, and a request
Expo rejects as a whole (HTTP 400/413: one malformed message) is split in halves until the
offending messages stand alone. ``PushClient`` (read at call time, so tests may patch it),
``send_notification`` and ``handle_push_response`` are the 1.5.3 names, kept.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from .. import conf
from ..exceptions import MissingDependency
from ..models.addresses import is_expo_push_token
from .base import (
    ChannelHandler,
    Delivered,
    Failed,
    InactiveAddress,
    Outcome,
    Retry,
    record_outcome,
)
from .channel import CONFIGURATION_ERRORS, OUT_OF_TIME  # noqa: F401  (OUT_OF_TIME: kept name)
from .errors import describe, log_failure, outcome_for_http_status, retry_after_header

try:  # the 1.5.3 module-level name; the core still imports without the SDK
    from exponent_server_sdk import PushClient
except ImportError:  # pragma: no cover - exercised with the SDK blocked
    PushClient = None

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "expo"
DEFAULT_HOST = "https://exp.host"
DEFAULT_TIMEOUT = 10
DEFAULT_MAX_PER_SECOND = 600  # Expo's documented per-project limit
MAX_MESSAGES_PER_REQUEST = 100  # Expo's limit per /push/send request
#: /push/send requests in flight at once; ``max_per_second`` bounds them all together.
DEFAULT_CONCURRENCY = 4

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

#: HTTP statuses of a request Expo rejected as a whole for what is in it (a malformed
#: message, tokens of several projects, too large): it is split so the rest get through.
#: 429 and 5xx are not split: the whole request is retried later.
SPLIT_STATUSES = {400, 413}

#: What stands for a message whose address is not an Expo push token (the SDK's words).
INVALID_TOKEN = ValueError("Invalid push token")

#: 1.5.3's return value of ``send_notification`` for an accepted message.
PUSHED_MESSAGE = "Notification Successfully Pushed!"


@dataclass(frozen=True)
class ExpoSettings:
    access_token: str | None
    host: str
    timeout: float
    max_per_second: int
    concurrency: int = DEFAULT_CONCURRENCY


def expo_settings() -> ExpoSettings:
    """Read ``NOTIFICATION_SYSTEM_TARGETS["expo"]`` with its documented defaults."""
    options = ExpoHandler.options()  # timeout, max_per_second, concurrency: validated there
    return ExpoSettings(
        access_token=conf.target_option(CHANNEL, "access_token", None),
        host=conf.target_option(CHANNEL, "host", DEFAULT_HOST),
        timeout=options.timeout,
        max_per_second=options.max_per_second,
        concurrency=options.concurrency,
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


#: The ``PushMessage`` options 1.5.3's ``prepare_extra`` read from ``extra``.
LEGACY_PUSH_OPTIONS = ("data", "sound", "ttl", "expiration", "priority", "badge", "channel_id")


def prepare_extra(extra: Any) -> dict[str, Any]:
    """The 1.5.3 helper, kept: ``extra``'s push options by name, ``None`` for each missing.

    The handler itself passes every ``PushMessage`` field found in ``extra`` (see
    :func:`push_message`), which includes these.
    """
    source = extra if isinstance(extra, dict) else {}
    return {key: source.get(key) for key in LEGACY_PUSH_OPTIONS}


def classify_ticket(ticket) -> Outcome:
    """One push ticket onto an outcome; the ticket id becomes ``provider_message_id``."""
    if ticket.is_success():
        ticket_id = ticket.id  # a stand-in client's ticket may carry anything here
        return Delivered(provider_message_id=ticket_id if isinstance(ticket_id, str) else "")
    code = (ticket.details or {}).get("error") or "unknown"
    error = f"Expo ticket error {code}: {ticket.message}"
    outcome = TICKET_ERRORS.get(code, Retry)
    return outcome(error)


def classify_request_error(exc: Exception) -> Outcome:
    """A failed /push/send request: 429/5xx/timeouts -> Retry, other 4xx -> Failed."""
    status, response = _request_status(exc), getattr(exc, "response", None)
    error = describe(exc)
    codes = [e.get("code") for e in getattr(exc, "errors", None) or [] if isinstance(e, dict)]
    if codes:
        error = f"{error} ({', '.join(map(str, codes))})"
    if status is not None:
        error = f"HTTP {status}: {error}"
    headers = getattr(response, "headers", None)
    after = retry_after_header(headers) if isinstance(headers, Mapping) else None
    return outcome_for_http_status(status, error, after)


def _request_status(exc: Exception) -> int | None:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def rejected_for_its_content(exc: Exception) -> bool:
    """True when Expo refused a whole request because of what is in it (``SPLIT_STATUSES``)."""
    return _request_status(exc) in SPLIT_STATUSES


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


def _client_class(sdk):
    """``PushClient`` as this module's global holds it now (a test may have replaced it)."""
    return PushClient if PushClient is not None else sdk.PushClient


def _is_sdk_client(cls, sdk) -> bool:
    return isinstance(cls, type) and issubclass(cls, sdk.PushClient)


def _accepted(cls, **kwargs: Any) -> dict[str, Any]:
    """The keyword arguments ``cls``'s constructor accepts (a stand-in may take only host)."""
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return kwargs
    names = {p.name for p in parameters}
    return {key: value for key, value in kwargs.items() if key in names}


@contextmanager
def push_client(settings: ExpoSettings | None = None) -> Iterator:
    """A client for the configured host, access token and timeout, on its own session.

    The class is this module's ``PushClient`` read now; a replacement that is not the SDK's
    class is built with just the arguments its constructor takes, of ``host`` and
    ``api_url``.
    """
    sdk = import_sdk()
    settings = settings or expo_settings()
    cls = _client_class(sdk)
    if not _is_sdk_client(cls, sdk):
        yield cls(
            **_accepted(cls, host=settings.host, api_url=sdk.PushClient.DEFAULT_BASE_API_URL)
        )
        return
    with _session(settings) as session:
        yield cls(host=settings.host, session=session, timeout=settings.timeout)


class ExpoHandler(ChannelHandler):
    """Up to 100 messages per /push/send request, on a client (and session) of the
    sender's own; a request refused for its content is sent again in halves."""

    channel = CHANNEL
    concurrency = DEFAULT_CONCURRENCY
    chunk_size = MAX_MESSAGES_PER_REQUEST
    timeout = DEFAULT_TIMEOUT
    max_per_second = DEFAULT_MAX_PER_SECOND

    def open(self) -> None:
        self.sdk = import_sdk()
        self._stack = ExitStack()
        self.client = self._stack.enter_context(push_client())
        # A stand-in client (a test's mock) with ``publish`` gets 1.5.3's calls, one each.
        sdk_client = _is_sdk_client(_client_class(self.sdk), self.sdk)
        self.batches = sdk_client or not callable(getattr(self.client, "publish", None))

    def close(self) -> None:
        self._stack.close()

    def results(self, notifications: Sequence) -> list[Any]:
        """Per notification, in order: its push ticket, or ``INVALID_TOKEN`` for an address
        that is not an Expo push token (not sent). A failed request raises (a stand-in
        client's request, one per message, gives its exception as that message's result)."""
        results: list[Any] = [INVALID_TOKEN] * len(notifications)
        sendable = [
            (index, push_message(self.sdk, notification))
            for index, notification in enumerate(notifications)
            if is_expo_push_token(notification.target_user_record.target_user_id)
        ]
        if not sendable:
            return results
        messages = [message for _, message in sendable]
        if self.batches:
            tickets = list(self.client.publish_multiple(messages))
        else:  # 1.5.3's calls, one per message: one message's failed request is its own
            tickets = [self._publish_alone(message) for message in messages]
        if len(tickets) != len(messages):
            raise RuntimeError(f"Expo answered {len(tickets)} tickets for {len(messages)}")
        for (index, _), ticket in zip(sendable, tickets, strict=True):
            results[index] = ticket
        return results

    def _publish_alone(self, message) -> Any:
        """A stand-in client's ticket for one message, or the exception its request raised."""
        try:
            return self.client.publish(message)
        except Exception as exc:
            return exc

    def send_chunk(self, notifications: Sequence) -> list[Outcome]:
        return [outcome_of(result) for result in self.results(notifications)]

    def classify(self, exc: Exception) -> Outcome:
        if not isinstance(exc, OSError) and getattr(exc, "response", None) is None:
            log_failure(logger, "expo: unexpected error publishing a request", exc=exc)
        return classify_request_error(exc)

    def should_split(self, exc: Exception) -> bool:
        return rejected_for_its_content(exc)


Handler = ExpoHandler


def outcome_of(result: Any) -> Outcome:
    """The outcome of one ``ExpoHandler.results`` item: a push ticket or an exception."""
    if result is INVALID_TOKEN:
        return Failed("Not an Expo push token (ExponentPushToken[...])")
    if isinstance(result, Exception):
        return classify_request_error(result)
    return classify_ticket(result)


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Publish the batch in chunks, paced to ``max_per_second``; one outcome each, in order."""
    return ExpoHandler.send_batch(notifications)


def _legacy_text(exc: BaseException) -> str:
    return f"{type(exc)}: {exc}"  # 1.5.3's wording of every failure


def handle_push_response(notification, response) -> str:
    """Apply one push ticket to one notification and save it (the 1.5.3 function, kept).

    DELIVERED for an accepted ticket; INACTIVE DEVICE, with the target user record
    deactivated, for ``DeviceNotRegistered``; otherwise RETRY or DELIVERY FAILURE as
    ``TICKET_ERRORS`` says, by the dispatcher's rules. Returns
    ``"Notification Successfully Pushed!"`` or 1.5.3's ``"<exception class>: <message>"``.
    """
    outcome = classify_ticket(response)
    record_outcome(notification, outcome)
    if isinstance(outcome, Delivered):
        return PUSHED_MESSAGE
    try:
        response.validate_response()
    except Exception as exc:
        return _legacy_text(exc)
    return outcome.error


def send_notification(notification) -> str:
    """Push one notification now and save the result on it (the 1.5.3 function, kept).

    Sent through the same hooks as ``send_batch`` (``PushClient`` read at call time, the
    same classification); the ticket is applied by
    :func:`handle_push_response`. A request error is recorded by the dispatcher's rules and
    returned in 1.5.3's words. The dispatcher does not call this; it uses ``send_batch``.
    """
    try:
        with ExpoHandler.opened() as handler:
            [result] = handler.results([notification])
    except CONFIGURATION_ERRORS:
        raise
    except Exception as exc:
        result = exc
    if not isinstance(result, Exception):
        return handle_push_response(notification, result)
    record_outcome(notification, outcome_of(result))
    return _legacy_text(result)
