"""A fake Twilio Messages API: ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

``twilio.rest.Client`` pointed at ``fake.url`` (the Api domain's ``base_url``) talks to it
unchanged. Basic auth must match ``account_sid``/``auth_token``. Per-number errors come from
``errors`` (phone number -> Twilio error code) and are answered with the documented error JSON
and HTTP status; every accepted message is kept in ``messages`` with its SID and
``StatusCallback`` so status-callback tests can replay Twilio's webhooks.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from typing import Any

from .server import FakeServer, RecordedRequest, Response

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")

#: Twilio error code -> (HTTP status, message), for the codes tests and the demo use.
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20429: (429, "Too Many Requests"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21408: (400, "Permission to send an SMS has not been enabled for the region."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    30001: (503, "Queue overflow"),
}


def error_body(code: int, status: int | None = None) -> dict[str, Any]:
    """The JSON Twilio answers an error with (legacy format, as the SDK parses it)."""
    http_status, message = ERRORS.get(code, (status or 400, f"Error {code}"))
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status or http_status,
    }


class FakeTwilio(FakeServer):
    """Twilio's Messages resource on loopback."""

    def __init__(
        self,
        latency: float = 0.0,
        errors: dict[str, int] | None = None,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",
    ) -> None:
        super().__init__(latency=latency)
        self.errors = dict(errors or {})
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []  # accepted messages, in arrival order
        self._store_lock = threading.Lock()

    def route(self, request: RecordedRequest) -> Response:
        match = MESSAGES_PATH.match(request.path.split("?")[0])
        if request.method != "POST" or match is None:
            return 404, {}, error_body(20404, 404)
        if match["sid"] != self.account_sid or not self._authorized(request):
            return 401, {}, error_body(20003)
        form = request.form()
        to = form.get("To", "")
        if to in self.errors:
            code = self.errors[to]
            body = error_body(code)
            return body["status"], {}, body
        return 201, {}, self._accept(form)

    def _authorized(self, request: RecordedRequest) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _accept(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "queued",
            "status_callback": form.get("StatusCallback"),
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        with self._store_lock:
            self.messages.append(message)
        return message
