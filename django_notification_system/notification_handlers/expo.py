"""Expo push handler: the real ``exponent_server_sdk.PushClient``, chunks of at most 100,
``concurrency`` requests at once, never more than ``max_per_second`` messages per second.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["expo"]`` (see docs/channels.rst). Ticket errors are
classified with ``TICKET_ERRORS``; a failed request fails only its own chunk, and a request
Expo rejects as a whole (HTTP 400/413: one malformed message) is split in halves until the
offending messages stand alone. ``PushClient`` (read at call time, so tests may patch it),
``send_notification`` and ``handle_push_response`` are the 1.5.3 names, kept.
"""

from __future__ import annotations

import inspect
import logging
import queue
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from .. import conf
from ..conf import positive_int_option, provider_timeout
from ..exceptions import MissingDependency, NotificationSystemConfigurationError
from ..models.addresses import is_expo_push_token
from .base import OUTCOME_TYPES, Delivered, Failed, InactiveAddress, Outcome, Retry, record_outcome
from .errors import describe, log_failure, outcome_for_http_status, retry_after_header
from .rate_limit import RateLimiter, shared_limiter

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
#: ``last_error`` of messages whose request was not started because the handler's time ran out.
OUT_OF_TIME = "not sent: the batch ran out of time (NOTIFICATION_SYSTEM_HANDLER_TIMEOUT)"

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
        timeout=provider_timeout(CHANNEL, DEFAULT_TIMEOUT),
        max_per_second=max_per_second,
        concurrency=positive_int_option(CHANNEL, "concurrency", DEFAULT_CONCURRENCY),
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


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _results(notifications: Sequence) -> list[Any]:
    """Per notification, in order: its push ticket, or the exception that stands for it."""
    sdk = import_sdk()
    settings = expo_settings()
    results: list[Any] = [None] * len(notifications)
    sendable: list[tuple[int, Any]] = []
    for index, notification in enumerate(notifications):
        if not is_expo_push_token(notification.target_user_record.target_user_id):
            results[index] = INVALID_TOKEN
            continue
        sendable.append((index, push_message(sdk, notification)))
    if not sendable:
        return results
    limiter = shared_limiter(settings.host, settings.max_per_second)
    # Requests that would start after this are not sent: their messages are retried, and
    # every request Expo answered is recorded as answered within the handler timeout.
    deadline = time.monotonic() + max(conf.handler_timeout() - 2 * settings.timeout, 0)
    if not _is_sdk_client(_client_class(sdk), sdk):
        # A stand-in client (a test's mock) gets 1.5.3's calls, one client, in order.
        with push_client(settings) as client:
            batches = not callable(getattr(client, "publish", None))
            size = min(MAX_MESSAGES_PER_REQUEST, settings.max_per_second) if batches else 1
            sender = _Sender(limiter, deadline, batches)
            for chunk in _chunks(sendable, size):
                _store(results, chunk, sender.publish(client, chunk))
        return results
    chunks = _chunks(sendable, min(MAX_MESSAGES_PER_REQUEST, settings.max_per_second))
    sender = _Sender(limiter, deadline, batches=True)
    for chunk, answers in zip(chunks, _in_parallel(settings, sender, chunks), strict=True):
        _store(results, chunk, answers)
    return results


def _store(results: list[Any], chunk: list[tuple[int, Any]], answers: list) -> None:
    for (index, _), answer in zip(chunk, answers, strict=True):
        results[index] = answer


def _in_parallel(settings: ExpoSettings, sender: _Sender, chunks: list[list]) -> list[list]:
    """Each chunk's answers, in order, sent over up to ``concurrency`` clients at once.

    Each worker thread holds its own client (a ``requests`` session is not shared between
    threads); the shared limiter keeps all of them, and every other sender of the process,
    within ``max_per_second``. A refused request is split on the thread that sent it.
    """
    workers = min(settings.concurrency, len(chunks))
    with ExitStack() as stack:
        idle: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(workers):
            idle.put(stack.enter_context(push_client(settings)))

        def publish(chunk: list[tuple[int, Any]]) -> list:
            client = idle.get()
            try:
                return sender.publish(client, chunk)
            finally:
                idle.put(client)

        if workers == 1:
            return [publish(chunk) for chunk in chunks]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dns-expo") as pool:
            return list(pool.map(publish, chunks))


def outcome_of(result: Any) -> Outcome:
    """The outcome of one ``_results`` item: a push ticket, an exception, or an outcome."""
    if isinstance(result, OUTCOME_TYPES):
        return result
    if result is INVALID_TOKEN:
        return Failed("Not an Expo push token (ExponentPushToken[...])")
    if isinstance(result, Exception):
        return classify_request_error(result)
    return classify_ticket(result)


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Publish the batch in chunks, paced to ``max_per_second``; one outcome each, in order."""
    if not notifications:
        return []
    outcomes = [outcome_of(result) for result in _results(notifications)]
    logger.info(
        "expo: %d accepted, %d not accepted",
        sum(isinstance(o, Delivered) for o in outcomes),
        sum(not isinstance(o, Delivered) for o in outcomes),
    )
    return outcomes


@dataclass(frozen=True)
class _Sender:
    """Sends one chunk per /push/send request, paced by ``limiter``, none after ``deadline``."""

    limiter: RateLimiter
    deadline: float
    batches: bool  # False: a stand-in client's publish(), one message per call
    clock: Callable[[], float] = time.monotonic

    def publish(self, client, chunk: list[tuple[int, Any]]) -> list:
        """One request for ``chunk``: a ticket per message, or what stands for its failure.

        A request refused for its content is sent again in halves, each half paced like any
        request, so the messages that are fine get through and only the offending ones keep
        the error. Any other failure (429, 5xx, a timeout) stands for the whole chunk. A
        request whose turn comes after the deadline is not sent: its messages are retried.
        """
        messages = [message for _, message in chunk]
        try:
            with self.limiter.slot(len(messages)):
                if self.clock() > self.deadline:
                    return [Retry(OUT_OF_TIME)] * len(messages)
                if self.batches:
                    tickets = list(client.publish_multiple(messages))
                else:
                    tickets = [client.publish(message) for message in messages]
        except Exception as exc:
            if len(chunk) > 1 and rejected_for_its_content(exc):
                logger.warning(
                    "expo: a request of %d messages was refused as a whole (HTTP %s); "
                    "sending it in halves",
                    len(chunk),
                    _request_status(exc),
                )
                middle = len(chunk) // 2
                return self.publish(client, chunk[:middle]) + self.publish(client, chunk[middle:])
            if not isinstance(exc, OSError) and getattr(exc, "response", None) is None:
                log_failure(
                    logger,
                    "expo: unexpected error publishing %d messages",
                    len(messages),
                    exc=exc,
                    known=[str(getattr(m, "to", "")) for m in messages],
                )
            return [exc] * len(messages)
        if len(tickets) != len(messages):
            mismatch = RuntimeError(f"Expo answered {len(tickets)} tickets for {len(messages)}")
            return [mismatch] * len(messages)
        return tickets


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

    Sent through the same path as ``send_batch`` (``PushClient`` read at call time, the
    rate limit, the same classification); the ticket is applied by
    :func:`handle_push_response`. A request error is recorded by the dispatcher's rules and
    returned in 1.5.3's words. The dispatcher does not call this; it uses ``send_batch``.
    """
    [result] = _results([notification])
    if isinstance(result, OUTCOME_TYPES):
        record_outcome(notification, result)
        return result.error or PUSHED_MESSAGE
    if not isinstance(result, Exception):
        return handle_push_response(notification, result)
    record_outcome(notification, outcome_of(result))
    return _legacy_text(result)
