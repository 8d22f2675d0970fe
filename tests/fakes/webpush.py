"""A fake Web Push service: ``POST /push/<id>``, as a browser vendor's push service answers.

Each subscription is made here as a browser makes one: an ECDH P-256 key pair and a 16-byte
auth secret, of which the page hands the public half (``keys.p256dh``, ``keys.auth``) to the
server. What arrives is checked as a push service and a browser would: the VAPID
``Authorization`` (an ES256 JWT whose ``aud`` is this service's origin, ``exp`` in the future,
``sub`` the expected subject, signed by the expected public key), a ``TTL`` header and the
``aes128gcm`` body, which is decrypted with the subscription's private key. A request that
fails a check is answered 401/400 and recorded in ``rejected`` with the reason.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .server import FakeServer, RecordedRequest, Response

PUSH_PATH = "/push/"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserSubscription:
    """One subscription, with the private half only the browser (and this fake) holds."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def info(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the page."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)},
        }

    def json(self) -> str:
        return json.dumps(self.info())


@dataclass
class ReceivedPush:
    """A push this service accepted, decrypted."""

    subscription_id: str
    payload: Any
    ttl: int
    headers: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)


class FakePushService(FakeServer):
    """A push service on loopback that checks VAPID and decrypts every push.

    ``vapid_public_key`` (base64url uncompressed point) and ``subject`` are what the VAPID
    token must carry. ``answer(subscription, status, headers)`` makes that subscription's
    pushes get ``status`` (after all checks passed, as a real service would answer).
    """

    def __init__(
        self, vapid_public_key: str, subject: str, latency: float = 0.0, now=time.time
    ) -> None:
        super().__init__(latency=latency)
        self.vapid_public_key = vapid_public_key
        self.subject = subject
        self.now = now
        self.subscriptions: dict[str, BrowserSubscription] = {}
        self.received: list[ReceivedPush] = []
        self.rejected: list[str] = []
        self._answers: dict[str, tuple[int, dict[str, str]]] = {}
        self._store_lock = threading.Lock()

    # Test controls ---------------------------------------------------------------------
    def subscribe(self) -> BrowserSubscription:
        """A new subscription, keys generated as a browser generates them."""
        sub_id = b64url(os.urandom(12))
        subscription = BrowserSubscription(
            id=sub_id,
            endpoint=f"{self.url}{PUSH_PATH}{sub_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
        )
        with self._store_lock:
            self.subscriptions[sub_id] = subscription
        return subscription

    def answer(self, subscription: BrowserSubscription, status: int, headers=None) -> None:
        """Answer every push to ``subscription`` with ``status`` (and ``headers``)."""
        self._answers[subscription.id] = (status, dict(headers or {}))

    def received_by(self, subscription: BrowserSubscription) -> list[ReceivedPush]:
        return [r for r in self.received if r.subscription_id == subscription.id]

    # The service -----------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Response:
        path = request.path.split("?")[0]
        if request.method != "POST" or not path.startswith(PUSH_PATH):
            return 404, {}, {"error": "no such route"}
        subscription = self.subscriptions.get(path[len(PUSH_PATH) :])
        if subscription is None:
            return 404, {}, {"error": "no such subscription"}
        try:
            claims = self.check_vapid(request.headers.get("authorization", ""))
        except ValueError as exc:
            return self._reject(401, f"VAPID: {exc}")
        if request.headers.get("content-encoding") != "aes128gcm":
            return self._reject(400, "Content-Encoding is not aes128gcm")
        ttl = request.headers.get("ttl", "")
        if not ttl.isdigit():
            return self._reject(400, "no TTL header")
        try:
            plain = http_ece.decrypt(
                request.body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:
            return self._reject(400, f"cannot decrypt ({type(exc).__name__})")
        status, headers = self._answers.get(subscription.id, (201, {}))
        if 200 <= status < 300:
            with self._store_lock:
                self.received.append(
                    ReceivedPush(
                        subscription.id, json.loads(plain), int(ttl), request.headers, claims
                    )
                )
            headers = {"Location": f"{self.url}/message/{b64url(os.urandom(8))}", **headers}
        return status, dict(headers), b""

    def check_vapid(self, authorization: str) -> dict[str, Any]:
        """The JWT's claims if ``Authorization: vapid t=<jwt>, k=<key>`` is valid (RFC 8292)."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"scheme is {scheme!r}, not vapid")
        parts = dict(
            item.strip().split("=", 1) for item in params.split(",") if "=" in item.strip()
        )
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != self.vapid_public_key:
            raise ValueError("k is not the expected public key")
        try:
            signing_input, _, signature = token.rpartition(".")
            header_b64, _, claims_b64 = signing_input.partition(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            raw_signature = b64url_decode(signature)
        except ValueError as exc:
            raise ValueError("malformed JWT") from exc
        if header.get("alg") != "ES256" or len(raw_signature) != 64:
            raise ValueError("not an ES256 JWT")
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(key)
        )
        der = encode_dss_signature(
            int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
        )
        try:
            public_key.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ValueError("bad signature") from None
        if claims.get("aud") != self.url:
            raise ValueError("aud is not this push service's origin")
        exp = claims.get("exp")
        now = self.now()
        if not isinstance(exp, int) or not now < exp <= now + 24 * 3600:
            raise ValueError("exp is not within the next 24 hours")
        if claims.get("sub") != self.subject:
            raise ValueError("sub is not the expected subject")
        return claims

    def _reject(self, status: int, reason: str) -> Response:
        with self._store_lock:
            self.rejected.append(reason)
        return status, {}, {"error": reason}
