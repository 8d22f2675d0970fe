"""Twilio SMS handler on the :class:`~.base.ChannelHandler` pipeline: the real
``twilio.rest.Client``, one message per call.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]`` (see docs/channels.rst). Errors are
classified by Twilio error code first (``ERROR_CODES``), then by HTTP status.
``send_notification`` and the module-level ``Client`` (read at call time, so tests may
patch it) are the 1.5.3 names, kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from .. import conf
from ..conf import provider_timeout
from ..exceptions import MissingDependency
from .base import (
    ChannelHandler,
    Delivered,
    InactiveAddress,
    OptedOut,
    Outcome,
    Retry,
    record_outcome,
)
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
    api_base_url: str | None
    prefix_title: bool


def twilio_settings() -> TwilioSettings:
    """Read ``NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]``; a missing key is an error naming it."""
    option = conf.target_option
    sender = option(CHANNEL, "sender", None)
    service = option(CHANNEL, "messaging_service_sid", None)
    if not sender and not service:
        option(CHANNEL, "sender")  # raises ImproperlyConfigured naming the key
    return TwilioSettings(
        account_sid=option(CHANNEL, "account_sid"),
        auth_token=option(CHANNEL, "auth_token"),
        sender=sender,
        messaging_service_sid=service,
        status_callback=option(CHANNEL, "status_callback", None) or status_callback_url(),
        timeout=provider_timeout(CHANNEL, DEFAULT_TIMEOUT),
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


class TwilioHandler(ChannelHandler):
    """One SMS per call, on a Twilio client of the sender's own (its own HTTP session).

    The client class is this module's ``Client`` read when the sender opens; a replacement
    that is not the SDK's class is built as 1.5.3 did, ``Client(sid, token)``.
    """

    channel = CHANNEL
    concurrency = DEFAULT_CONCURRENCY
    timeout = DEFAULT_TIMEOUT

    def open(self) -> None:
        self.settings = twilio_settings()
        sdk_client, http_client_class, self.TwilioException = _import_sdk()
        client_class = Client if Client is not None else sdk_client
        self.headers: dict = {}
        self.http_client = None
        if not (isinstance(client_class, type) and issubclass(client_class, sdk_client)):
            self.client = client_class(self.settings.account_sid, self.settings.auth_token)
            return
        self.http_client = http_client_class(
            timeout=self.settings.timeout, request_hooks={"response": [self._remember_headers]}
        )
        self.client = client_class(
            self.settings.account_sid, self.settings.auth_token, http_client=self.http_client
        )
        if self.settings.api_base_url:
            self.client.api.base_url = self.settings.api_base_url.rstrip("/")
            self.client.edge = self.client.region = None  # an explicit base URL is used as given

    def close(self) -> None:
        if self.http_client is not None and self.http_client.session is not None:
            self.http_client.session.close()

    def _remember_headers(self, response, *args, **kwargs):
        self.headers = response.headers
        return response

    def send(self, notification) -> Outcome:
        self.headers = {}
        message = self.client.messages.create(**message_params(notification, self.settings))
        sid = getattr(message, "sid", None)  # a stand-in client's message may carry anything
        return Delivered(provider_message_id=sid if isinstance(sid, str) else "")

    def classify(self, exc: Exception) -> Outcome:
        if isinstance(exc, getattr(self, "TwilioException", ())):
            code, status = getattr(exc, "code", None), getattr(exc, "status", None)
            text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or str(exc)
            error = f"Twilio error {code} (HTTP {status}): {text}"
            return classify_twilio_error(code, status, error, self.headers.get("Retry-After"))
        if not isinstance(exc, OSError):  # requests' ConnectionError and Timeout are OSErrors
            log_failure(logger, "twilio_sms: unexpected error", exc=exc)
        return Retry(describe(exc))


Handler = TwilioHandler


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send each notification as one SMS, ``concurrency`` at a time; one outcome each, in order."""
    return TwilioHandler.send_batch(notifications)


def send_notification(notification) -> str:
    """Send one SMS now and save the result on it (the 1.5.3 function, kept).

    Sent through the same hooks as ``send_batch`` (settings, ``Client`` read at call time,
    the same classification) and saved by the dispatcher's rules (status,
    ``attempted_delivery``, retry accounting, a ``DeliveryAttempt``, an opted-out or
    invalid number's record deactivated). Returns ``"SMS Successfully sent!"`` or 1.5.3's
    ``"<exception class>: <message>"``. The dispatcher does not call this.
    """
    outcome, exc = TwilioHandler.send_now(notification)
    record_outcome(notification, outcome)
    if exc is None:
        return SENT_MESSAGE
    return f"{type(exc)}: {exc}"
