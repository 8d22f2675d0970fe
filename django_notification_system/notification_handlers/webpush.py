"""Web Push handler: one encrypted (aes128gcm) POST per notification to the browser's push
service, signed with the project's VAPID key, through pywebpush.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["webpush"]`` (see docs/channels.rst):
``vapid_private_key`` (PEM text, or the base64url DER/raw form py-vapid accepts),
``vapid_subject`` (``mailto:`` or ``https:``), optional ``ttl``, ``timeout``, ``concurrency``.
A record's ``target_user_id`` is the browser's ``PushSubscription`` as JSON. The answer's
status is mapped by ``STATUS_OUTCOMES``, else as any HTTP provider's (429/5xx: Retry).

Endpoints, keys and payloads are never logged nor put in an error: an endpoint URL is a
bearer capability for the subscriber's browser.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import conf
from ..exceptions import MissingDependency, NotificationSystemConfigurationError
from ..models.addresses import subscription_problem
from .base import ChannelHandler, Delivered, Failed, InactiveAddress, Outcome, Retry
from .errors import outcome_for_http_status, parse_retry_after

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "webpush"
DEFAULT_TIMEOUT = 10
DEFAULT_CONCURRENCY = 8
#: Seconds a push service keeps a message for an offline browser (option ``ttl``).
DEFAULT_TTL = 86400
#: How long a VAPID token is valid (RFC 8292 allows at most 24 hours).
VAPID_TOKEN_LIFETIME = 12 * 60 * 60
#: The largest JSON payload that fits one 4096-byte aes128gcm record (86 bytes of header,
#: one delimiter byte and a 16-byte tag), as push services require.
MAX_PAYLOAD_BYTES = 4096 - 86 - 1 - 16
#: ``extra["urgency"]`` values (RFC 8030 section 5.3).
URGENCIES = frozenset({"very-low", "low", "normal", "high"})

#: Push-service answers (RFC 8030) -> outcome. Other statuses: 2xx Delivered, 429/5xx Retry
#: (with Retry-After), other 4xx Failed.
STATUS_OUTCOMES: dict[int, type] = {
    201: Delivered,  # created: the push service holds the message
    202: Delivered,  # accepted (a receipt was asked for)
    400: Failed,  # malformed request (bad headers, bad encryption)
    404: InactiveAddress,  # no such subscription
    410: InactiveAddress,  # the subscription expired or the user revoked it
    413: Failed,  # payload too large
}


#: Third-party loggers that name a request's URL (urllib3 at DEBUG level).
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


class _EndpointRedactor(logging.Filter):
    """While a thread sends a push, the endpoint's path in urllib3's log arguments becomes
    ``[endpoint]``: the path is the subscription's secret. Other requests are untouched."""

    sending = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        secret = getattr(self.sending, "path", None)
        if secret and isinstance(record.args, tuple):
            record.args = tuple(
                arg.replace(secret, "[endpoint]") if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


_REDACTOR = _EndpointRedactor()


def _redact_endpoints_in_logs() -> None:
    for name in URL_LOGGERS:
        target = logging.getLogger(name)
        if _REDACTOR not in target.filters:
            target.addFilter(_REDACTOR)


@dataclass(frozen=True)
class WebPushSettings:
    vapid: Any  # a py_vapid.Vapid holding the private key
    subject: str
    ttl: int


def _import_sdk():
    try:
        import requests
        from py_vapid import Vapid
        from pywebpush import WebPusher, WebPushException
    except ImportError as exc:
        raise MissingDependency("pywebpush", "webpush") from exc
    return requests, Vapid, WebPusher, WebPushException


def load_vapid_key(text: object):
    """A ``py_vapid.Vapid`` for a P-256 private key given as PEM text or base64url DER/raw.

    ``NotificationSystemConfigurationError`` naming the setting (never showing the key) when
    it is not such a key.
    """
    _, Vapid, _, _ = _import_sdk()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    where = conf.target_key(CHANNEL, "vapid_private_key")
    vapid = None
    if isinstance(text, str):
        try:
            if "-----BEGIN" in text:
                key = serialization.load_pem_private_key(text.strip().encode(), password=None)
                vapid = Vapid(key) if isinstance(key, ec.EllipticCurvePrivateKey) else None
            else:
                vapid = Vapid.from_string(text.strip())
        except Exception:  # every parser error means the same: not a usable key
            vapid = None
    key = vapid.private_key if vapid is not None else None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise NotificationSystemConfigurationError(
            f"{where} is not a usable VAPID private key: expected a P-256 (prime256v1) key as "
            "PEM text or in the base64url form py-vapid accepts (generate one with "
            "`vapid --gen`)"
        )
    return vapid


def _subject(value: object, vapid) -> str:
    """The VAPID ``sub`` claim, if py-vapid signs with it (it checks the address's shape)."""
    ok = isinstance(value, str) and value.startswith(("mailto:", "https://"))
    if ok:
        try:
            vapid.sign({"aud": "https://push.example", "sub": value})
        except Exception:
            ok = False
    if not ok:
        raise NotificationSystemConfigurationError(
            f"{conf.target_key(CHANNEL, 'vapid_subject')} must be a mailto: address or an "
            f"https: URL where the push service can reach you, not {value!r}"
        )
    return value


def _ttl(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NotificationSystemConfigurationError(
            f"{key} must be a number of seconds (0 or more), not {value!r}"
        )
    return value


def webpush_settings() -> WebPushSettings:
    """Read ``NOTIFICATION_SYSTEM_TARGETS["webpush"]``; a missing or bad key is an error
    naming it (``manage.py check`` calls this too)."""
    vapid = load_vapid_key(conf.target_option(CHANNEL, "vapid_private_key"))
    return WebPushSettings(
        vapid=vapid,
        subject=_subject(conf.target_option(CHANNEL, "vapid_subject"), vapid),
        ttl=_ttl(conf.target_option(CHANNEL, "ttl", DEFAULT_TTL), conf.target_key(CHANNEL, "ttl")),
    )


def vapid_public_key() -> str:
    """The application server key a page passes to ``pushManager.subscribe()``: the VAPID
    public key as an uncompressed P-256 point, base64url without padding."""
    from cryptography.hazmat.primitives import serialization

    vapid = load_vapid_key(conf.target_option(CHANNEL, "vapid_private_key"))
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(raw)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# -- One message ----------------------------------------------------------------------------


def parse_subscription(value: object) -> dict[str, Any]:
    """The subscription stored in ``target_user_id``; ``ValueError`` saying what is wrong
    (never the value) when it is not a usable one."""
    problem = subscription_problem(value)
    if problem:
        raise ValueError(problem)
    data = json.loads(value)  # type: ignore[arg-type]  # checked by subscription_problem
    return {"endpoint": data["endpoint"], "keys": dict(data["keys"])}


def build_payload(notification) -> bytes:
    """The JSON the service worker receives: ``title``, ``body``, ``url`` and ``data``
    (``extra["data"]``, or ``null``)."""
    extra = notification.extra or {}
    payload = {
        "title": notification.title,
        "body": notification.body or "",
        "url": getattr(notification, "url", "") or "",
        "data": extra.get("data"),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def push_headers(notification, settings: WebPushSettings, endpoint: str) -> dict[str, str]:
    """The VAPID ``Authorization`` (audience: the endpoint's origin) and optional ``Urgency``
    and ``Topic`` headers of one push."""
    url = urlsplit(endpoint)
    claims = {
        "aud": f"{url.scheme}://{url.netloc}",
        "exp": int(time.time()) + VAPID_TOKEN_LIFETIME,
        "sub": settings.subject,
    }
    headers = dict(settings.vapid.sign(claims))
    extra = notification.extra or {}
    if extra.get("urgency") in URGENCIES:
        headers["Urgency"] = extra["urgency"]
    if isinstance(extra.get("topic"), str) and extra["topic"]:
        headers["Topic"] = extra["topic"]
    return headers


def message_ttl(notification, settings: WebPushSettings) -> int:
    """``extra["ttl"]`` when it is a usable number of seconds, else the channel's ``ttl``."""
    ttl = (notification.extra or {}).get("ttl")
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0:
        return ttl
    return settings.ttl


def outcome_for_response(status: int, retry_after: str | None = None) -> Outcome:
    """Map a push service's answer onto an outcome: ``STATUS_OUTCOMES``, else any 2xx is
    Delivered (never sent twice) and the rest as for any HTTP provider."""
    error = f"push service answered HTTP {status}"
    outcome = STATUS_OUTCOMES.get(status)
    if outcome is Delivered or (outcome is None and 200 <= status < 300):
        return Delivered()
    if outcome is not None:
        return outcome(error)
    return outcome_for_http_status(status, error, parse_retry_after(retry_after))


class WebPushHandler(ChannelHandler):
    """Sends one encrypted push per call, on a ``requests`` session of the sender's own
    kept for the whole run."""

    channel = CHANNEL
    concurrency = DEFAULT_CONCURRENCY
    timeout = float(DEFAULT_TIMEOUT)

    def open(self) -> None:
        """Import the SDK (the install hint when it is missing), read the settings and open
        this sender's HTTP session."""
        self._requests, _, self._WebPusher, self._WebPushException = _import_sdk()
        self.settings = webpush_settings()
        self.session = self._requests.Session()
        _redact_endpoints_in_logs()

    def close(self) -> None:
        self.session.close()

    def send(self, notification) -> Outcome:
        """Encrypt and POST one push; the answer's status decides the outcome."""
        try:
            subscription = parse_subscription(notification.target_user_record.target_user_id)
        except ValueError as exc:
            return InactiveAddress(f"unusable push subscription: {exc}")
        try:
            pusher = self._WebPusher(subscription, requests_session=self.session)
        except self._WebPushException:
            return InactiveAddress("unusable push subscription: its keys were refused")
        url = urlsplit(subscription["endpoint"])
        _REDACTOR.sending.path = url.path + (f"?{url.query}" if url.query else "")
        try:
            response = pusher.send(
                build_payload(notification),
                push_headers(notification, self.settings, subscription["endpoint"]),
                ttl=message_ttl(notification, self.settings),
                content_encoding="aes128gcm",
                timeout=self.timeout,
            )
        finally:
            _REDACTOR.sending.path = None
        return outcome_for_response(response.status_code, response.headers.get("Retry-After"))

    def classify(self, exc: Exception) -> Outcome:
        """A connection error or timeout: Retry; a key the encryption refuses: the address
        is unusable. Only the exception's type is kept (requests' texts name the URL)."""
        if isinstance(exc, self._requests.RequestException):
            return Retry(f"{type(exc).__name__}: the push service could not be reached")
        if isinstance(exc, ValueError):  # http_ece/cryptography: p256dh is not a P-256 point
            return InactiveAddress(f"unusable push subscription ({type(exc).__name__})")
        logger.error("webpush: unexpected %s while sending", type(exc).__name__)
        return Retry(f"{type(exc).__name__} from the webpush provider")


Handler = WebPushHandler


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send each notification as one push, ``concurrency`` at a time; one outcome each, in
    order (the pipeline's deadline: no push starts that could outlive the handler timeout)."""
    return WebPushHandler.send_batch(notifications)
