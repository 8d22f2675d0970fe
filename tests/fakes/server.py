"""A real HTTP server on loopback for faking a provider: threads, latency, request recording.

Subclasses map ``(method, path)`` to a handler returning ``(status, headers, body)``. The
server listens on ``127.0.0.1`` port 0 (a free port), serves from a daemon thread, and is a
context manager. Every request is recorded with its arrival time so tests and benchmarks can
assert on what the real SDKs sent, how many requests ran at once and how fast they came.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: float  # time.monotonic() when the request was read

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """The urlencoded body, one value per key (the Twilio SDK's encoding)."""
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class CannedResponse:
    """A response the next request(s) get instead of the normal one (``fail_next``)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Response = tuple[int, dict[str, str], Any]


class FakeServer:
    """Base of the fake providers: start with ``with Fake() as fake:``, read ``fake.url``."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._canned: deque[CannedResponse] = deque()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class Handler(_RequestHandler):
            server_fake = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("the fake server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # Test controls ---------------------------------------------------------------------
    def fail_next(
        self, status: int, body: Any = None, headers: dict | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests with this status/body/headers instead."""
        with self._lock:
            for _ in range(times):
                self._canned.append(CannedResponse(status, body, dict(headers or {})))

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        """The recorded requests whose path ends with ``path_suffix``."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith(path_suffix)]

    # For subclasses --------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Response:
        """Answer one request: ``(status, headers, body)``; body is JSON-encoded unless bytes."""
        raise NotImplementedError(f"{type(self).__name__} must implement route()")

    def _handle(self, request: RecordedRequest) -> Response:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            canned = self._canned.popleft() if self._canned else None
        try:
            if self.latency:
                time.sleep(self.latency)
            if canned is not None:
                return canned.status, canned.headers, canned.body
            return self.route(request)
        finally:
            with self._lock:
                self.in_flight -= 1


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' sessions expect
    server_fake: FakeServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args) -> None:
        """Silence the default stderr access log."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            arrived_at=time.monotonic(),
        )
        status, headers, payload = self.server_fake._handle(request)
        if isinstance(payload, (bytes, bytearray)):
            data = bytes(payload)
            content_type = headers.pop("Content-Type", "text/plain")
        else:
            data = json.dumps(payload).encode() if payload is not None else b""
            content_type = headers.pop("Content-Type", "application/json")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout); nothing to answer


def peak_per_second(stamped_counts: list[tuple[float, int]], window: float = 1.0) -> int:
    """The largest total count whose timestamps all fall within ``window`` seconds."""
    events = sorted(stamped_counts)
    best = total = first = 0
    for stamp, count in events:
        total += count
        while stamp - events[first][0] >= window:
            total -= events[first][1]
            first += 1
        best = max(best, total)
    return best
