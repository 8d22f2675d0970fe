"""A Slack incoming webhook on loopback: ``POST /services/...`` with JSON ``{"text": ...}``."""

from __future__ import annotations

from .server import FakeServer, RecordedRequest, Response


class FakeSlack(FakeServer):
    """Answers ``ok`` (text/plain) as Slack does; ``fail_next`` gives a 429, a 404, ..."""

    path = "/services/T000/B000/XXXX"

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.texts: list[str] = []

    @property
    def webhook_url(self) -> str:
        return self.url + self.path

    def route(self, request: RecordedRequest) -> Response:
        if request.method != "POST" or request.path != self.path:
            return 404, {"Content-Type": "text/plain"}, b"no_service"
        payload = request.json()
        if not isinstance(payload, dict) or not payload.get("text"):
            return 400, {"Content-Type": "text/plain"}, b"no_text"
        self.texts.append(payload["text"])
        return 200, {"Content-Type": "text/plain"}, b"ok"
