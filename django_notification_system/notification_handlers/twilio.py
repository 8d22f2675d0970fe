"""Twilio SMS handler: the real ``twilio.rest.Client``, up to ``concurrency`` requests at once.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]`` (see docs/channels.rst). Errors are
classified by Twilio error code first (``ERROR_CODES``), then by HTTP status.
``send_notification`` and the module-level ``Client`` (read at call time, so tests may
patch it) are the 1.5.3 names, kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from .. import conf
from ..conf import provider_timeout
from ..exceptions import MissingDependency, NotificationSystemConfigurationError
from .base import Delivered, InactiveAddress, OptedOut, Outcome, Retry, record_outcome
from .errors import describe, log_failure, outcome_for_http_status, parse_retry_after

try:  # the 1.5.3 module-level name; the core still imports without the SDK
    from twilio.rest import Client
except ImportError:  # pragma: no cover - exercised with the SDK blocked
    Client = None

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "twilio_sms"
DEFAULT_TIMEOUT = 10
DEFAULT_CONCURRENCY = 8

#: 1.5.3's return value of ``send_notification`` for an accepted message.
SENT_MESSAGE = "SMS Successfully sent!"

#: Twilio error code -> outcome. Codes not listed are classified by HTTP status
#: (429/5xx -> Retry, other 4xx -> Failed). https://www.twilio.com/docs/api/errors
ERROR_CODES: dict[int, type] = {
    21610: OptedOut,  # the recipient replied STOP (unsubscribed)
    21211: InactiveAddress,  # invalid 'To' phone number
    21614: InactiveAddress,  # 'To' number is not a valid mobile (SMS-capable) number
    20429: Retry,  # too many requests
}


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    sender: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    timeout: float
    concurrency: int
    api_base_url: str | None
    prefix_title: bool


def twilio_settings() -> TwilioSettings:
    """Read ``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]``; a missing key is an error naming it."""
    option = conf.target_option
    sender = option(CHANNEL, "sender", None)
    service = option(CHANNEL, "messaging_service_sid", None)
    if not sender and not service:
        option(CHANNEL, "sender")  # raises ImproperlyConfigured naming the key
    concurrency = option(CHANNEL, "concurrency", DEFAULT_CONCURRENCY)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise NotificationSystemConfigurationError(
            f'NOTIFICATION_SYSTEM_TARGETS["{CHANNEL}"]["concurrency"] must be a positive '
            f"integer, not {concurrency!r}"
        )
    return TwilioSettings(
        account_sid=option(CHANNEL, "account_sid"),
        auth_token=option(CHANNEL, "auth_token"),
        sender=sender,
        messaging_service_sid=service,
        status_callback=option(CHANNEL, "status_callback", None) or status_callback_url(),
        timeout=provider_timeout(CHANNEL, DEFAULT_TIMEOUT),
        concurrency=concurrency,
        api_base_url=option(CHANNEL, "api_base_url", None),
        prefix_title=bool(option(CHANNEL, "prefix_title", False)),
    )


def status_callback_url() -> str | None:
    """This app's callback URL under ``NOTIFICATION_SYSTEM_PUBLIC_BASE_URL``, if both exist."""
    base_url = conf.public_base_url()
    if not base_url:
        return None
    try:
        return base_url + reverse("django_notification_system:twilio-status-callback")
    except NoReverseMatch:
        return None


def _import_sdk():
    try:
        from twilio.base.exceptions import TwilioException
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client
    except ImportError as exc:
        raise MissingDependency("twilio", "twilio") from exc
    return Client, TwilioHttpClient, TwilioException


def message_params(notification, settings: TwilioSettings) -> dict[str, Any]:
    """The ``messages.create`` arguments for one notification."""
    body = notification.body
    if settings.prefix_title and notification.title:
        body = f"{notification.title}: {body}"
    params: dict[str, Any] = {"to": notification.target_user_record.target_user_id, "body": body}
    if settings.messaging_service_sid:
        params["messaging_service_sid"] = settings.messaging_service_sid
    if settings.sender:
        params["from_"] = settings.sender
    if settings.status_callback:
        params["status_callback"] = settings.status_callback
    return params


def classify_twilio_error(
    code: int | None, status: int | None, error: str, retry_after: str | None = None
) -> Outcome:
    """Map a Twilio error onto an outcome: by ``ERROR_CODES``, else by HTTP status."""
    after = parse_retry_after(retry_after)
    outcome = ERROR_CODES.get(code)
    if outcome is Retry:
        return Retry(error, after=after)
    if outcome is not None:
        return outcome(error)
    return outcome_for_http_status(status, error, after)


class _Sender:
    """Sends one notification per call, with one Twilio client per worker thread.

    The client class is this module's ``Client`` read when the sender is made; a
    replacement that is not the SDK's class is built as 1.5.3 did, ``Client(sid, token)``.
    """

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        sdk_client, self.HttpClient, self.TwilioException = _import_sdk()
        self.Client = Client if Client is not None else sdk_client
        self.configurable = isinstance(self.Client, type) and issubclass(self.Client, sdk_client)
        self._local = threading.local()
        self._http_clients: list[Any] = []

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._new_client()
            self._local.client = client
        return client

    def _new_client(self):
        if not self.configurable:
            return self.Client(self.settings.account_sid, self.settings.auth_token)
        http_client = self.HttpClient(
            timeout=self.settings.timeout,
            request_hooks={"response": [self._remember_headers]},
        )
        client = self.Client(
            self.settings.account_sid, self.settings.auth_token, http_client=http_client
        )
        if self.settings.api_base_url:
            client.api.base_url = self.settings.api_base_url.rstrip("/")
            client.edge = client.region = None  # an explicit base URL is used as given
        self._http_clients.append(http_client)
        return client

    def close(self) -> None:
        """Close the HTTP sessions the worker threads opened."""
        for http_client in self._http_clients:
            if http_client.session is not None:
                http_client.session.close()

    def _remember_headers(self, response, *args, **kwargs):
        self._local.headers = response.headers
        return response

    def send(self, pk_and_params: tuple[Any, dict[str, Any]]) -> Outcome:
        """Create one message; ``pk`` is only used to name the notification in logs."""
        return self.attempt(pk_and_params)[0]

    def attempt(self, pk_and_params: tuple[Any, dict[str, Any]]) -> tuple[Outcome, Any]:
        """Create one message: its outcome, and the exception that failed it, if any."""
        pk, params = pk_and_params
        self._local.headers = {}
        try:
            message = self._client().messages.create(**params)
        except self.TwilioException as exc:
            code, status = getattr(exc, "code", None), getattr(exc, "status", None)
            text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or str(exc)
            error = f"Twilio error {code} (HTTP {status}): {text}"
            retry_after = self._local.headers.get("Retry-After")
            return classify_twilio_error(code, status, error, retry_after), exc
        except OSError as exc:  # requests' ConnectionError and Timeout are OSErrors
            return Retry(describe(exc)), exc
        except Exception as exc:
            log_failure(
                logger,
                "twilio_sms notification %s: unexpected error",
                pk,
                exc=exc,
                known=(params.get("to", ""), params.get("body", "")),
            )
            return Retry(describe(exc)), exc
        sid = getattr(message, "sid", None)  # a stand-in client's message may carry anything
        return Delivered(provider_message_id=sid if isinstance(sid, str) else ""), None


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send each notification as one SMS, ``concurrency`` at a time; one outcome each, in order."""
    if not notifications:
        return []
    settings = twilio_settings()
    sender = _Sender(settings)
    # Built here, not in the workers, so that no worker thread ever touches the database.
    work = [(n.pk, message_params(n, settings)) for n in notifications]
    workers = min(settings.concurrency, len(work))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="twilio-sms") as pool:
        outcomes = list(pool.map(sender.send, work))
    sender.close()
    logger.info(
        "twilio_sms: %d sent, %d not sent",
        sum(isinstance(o, Delivered) for o in outcomes),
        sum(not isinstance(o, Delivered) for o in outcomes),
    )
    return outcomes


def send_notification(notification) -> str:
    """Send one SMS now and save the result on it (the 1.5.3 function, kept).

    Sent through the same path as ``send_batch`` (settings, ``Client`` read at call time,
    the same classification) and saved by the dispatcher's rules (status,
    ``attempted_delivery``, retry accounting, a ``DeliveryAttempt``, an opted-out or
    invalid number's record deactivated). Returns ``"SMS Successfully sent!"`` or 1.5.3's
    ``"<exception class>: <message>"``. The dispatcher does not call this; it uses
    ``send_batch``.
    """
    settings = twilio_settings()
    sender = _Sender(settings)
    try:
        outcome, exc = sender.attempt((notification.pk, message_params(notification, settings)))
    finally:
        sender.close()
    record_outcome(notification, outcome)
    if exc is None:
        return SENT_MESSAGE
    return f"{type(exc)}: {exc}"
