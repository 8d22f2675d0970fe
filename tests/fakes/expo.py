"""A fake Expo push service: ``/--/api/v2/push/send`` and ``/--/api/v2/push/getReceipts``.

Speaks the documented JSON shapes so ``exponent_server_sdk.PushClient(host=fake.url)`` works
unchanged. Per-token errors are configured with ``ticket_errors`` (answered in the push ticket)
and ``receipt_errors`` (answered later by getReceipts); every accepted message gets a ticket id
and a receipt in ``receipts``, which tests of receipt checking can also edit directly. A
request holding a message Expo's validation refuses (a bad ``priority``, ``data`` or ``badge``)
is refused as a whole with HTTP 400 ``VALIDATION_ERROR``, as Expo does.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from .server import FakeServer, RecordedRequest, Response, peak_per_second

SEND_PATH = "/--/api/v2/push/send"
RECEIPTS_PATH = "/--/api/v2/push/getReceipts"
MAX_MESSAGES_PER_REQUEST = 100

#: Human messages Expo sends with each error code (the code is what clients act on).
ERROR_MESSAGES = {
    "DeviceNotRegistered": "The recipient device is not registered with FCM or APNs.",
    "MessageTooBig": "The total notification payload was too large.",
    "MessageRateExceeded": "Messages are being sent to this device too frequently.",
    "InvalidCredentials": "The push notification credentials for the app are invalid.",
    "MismatchSenderId": "The FCM sender id does not match the one the token was made with.",
}


def _error(code: str, token: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": ERROR_MESSAGES.get(code, code),
        "details": {"error": code, "expoPushToken": token},
    }


class FakeExpo(FakeServer):
    """Expo's push API on loopback. ``access_token`` (optional) is required as a Bearer token."""

    def __init__(
        self,
        latency: float = 0.0,
        ticket_errors: dict[str, str] | None = None,
        receipt_errors: dict[str, str] | None = None,
        access_token: str | None = None,
    ) -> None:
        super().__init__(latency=latency)
        self.ticket_errors = dict(ticket_errors or {})
        self.receipt_errors = dict(receipt_errors or {})
        self.access_token = access_token
        self.tickets: dict[str, dict[str, Any]] = {}  # ticket id -> the message it answered
        self.receipts: dict[str, dict[str, Any]] = {}  # ticket id -> receipt
        self._store_lock = threading.Lock()

    def route(self, request: RecordedRequest) -> Response:
        path = request.path.split("?")[0]
        if self.access_token and request.headers.get("authorization") != (
            f"Bearer {self.access_token}"
        ):
            return 401, {}, _request_error("UNAUTHORIZED", "Invalid or missing access token.")
        if request.method == "POST" and path == SEND_PATH:
            return self._send(request)
        if request.method == "POST" and path == RECEIPTS_PATH:
            return self._get_receipts(request)
        return 404, {}, _request_error("NOT_FOUND", f"No route {request.method} {path}")

    def _send(self, request: RecordedRequest) -> Response:
        payload = request.json()
        messages = payload if isinstance(payload, list) else [payload]
        if len(messages) > MAX_MESSAGES_PER_REQUEST:
            return (
                400,
                {},
                _request_error(
                    "PUSH_TOO_MANY_NOTIFICATIONS",
                    f"You are trying to send more than {MAX_MESSAGES_PER_REQUEST} push "
                    "notifications in one request",
                ),
            )
        problems = [
            problem
            for index, message in enumerate(messages)
            if (problem := _validation_problem(index, message))
        ]
        if problems:  # like Expo: one malformed message refuses the whole request
            return 400, {}, _request_error("VALIDATION_ERROR", "; ".join(problems))
        return 200, {}, {"data": [self._ticket(message) for message in messages]}

    def _ticket(self, message: dict[str, Any]) -> dict[str, Any]:
        token = message.get("to", "")
        if token in self.ticket_errors:
            return _error(self.ticket_errors[token], token)
        ticket_id = str(uuid.uuid4())
        receipt = (
            _error(self.receipt_errors[token], token)
            if token in self.receipt_errors
            else {"status": "ok"}
        )
        with self._store_lock:
            self.tickets[ticket_id] = message
            self.receipts[ticket_id] = receipt
        return {"status": "ok", "id": ticket_id}

    def _get_receipts(self, request: RecordedRequest) -> Response:
        ids = (request.json() or {}).get("ids", [])
        with self._store_lock:
            found = {i: self.receipts[i] for i in ids if i in self.receipts}
        return 200, {}, {"data": found}

    # Figures for tests and benchmarks ----------------------------------------------------
    def sent_messages(self) -> list[dict[str, Any]]:
        """Every message received by /push/send, in arrival order."""
        messages: list[dict[str, Any]] = []
        for request in self.requests_to(SEND_PATH):
            payload = request.json()
            messages.extend(payload if isinstance(payload, list) else [payload])
        return messages

    def messages_per_request(self) -> list[int]:
        return [_count(r) for r in self.requests_to(SEND_PATH)]

    def peak_messages_per_second(self) -> int:
        """Most messages that arrived within any one second."""
        return peak_per_second([(r.arrived_at, _count(r)) for r in self.requests_to(SEND_PATH)])


def _count(request: RecordedRequest) -> int:
    payload = request.json()
    return len(payload) if isinstance(payload, list) else 1


def _request_error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


PRIORITIES = ("default", "normal", "high")


def _validation_problem(index: int, message: Any) -> str | None:
    """What Expo's request validation would refuse in one message (a few documented rules)."""
    if not isinstance(message, dict) or not isinstance(message.get("to"), (str, list)):
        return f'"[{index}].to" is required'
    if "priority" in message and message["priority"] not in PRIORITIES:
        return f'"[{index}].priority" must be one of [{", ".join(PRIORITIES)}]'
    if "data" in message and not isinstance(message["data"], dict):
        return f'"[{index}].data" must be of type object'
    badge = message.get("badge", 0)
    if isinstance(badge, bool) or not isinstance(badge, int) or badge < 0:
        return f'"[{index}].badge" must be a non-negative integer'
    return None
