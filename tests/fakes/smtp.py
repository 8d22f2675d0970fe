"""A real SMTP server on loopback (aiosmtpd) that can refuse recipients or drop connections.

Not exported from ``tests.fakes`` because aiosmtpd is a development dependency only.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    peer: tuple
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class _Handler:
    def __init__(self, fake: FakeSMTP) -> None:
        self.fake = fake

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._pause()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def _pause(self) -> None:
        if self.fake.command_latency:
            await asyncio.sleep(self.fake.command_latency)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._pause()
        self.fake.peers.add(session.peer)
        if address in self.fake.drop:
            server.transport.abort()  # the connection dies mid-conversation
            return "421 4.4.2 connection dropped"
        if address in self.fake.refuse:
            return self.fake.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._pause()
        if self.fake.latency:
            await asyncio.sleep(self.fake.latency)
        with self.fake.lock:
            self.fake.received.append(
                ReceivedMail(
                    session.peer,
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content or envelope.content,
                )
            )
            freeze = self.fake.freeze_after is not None and (
                len(self.fake.received) == self.fake.freeze_after
            )
        if freeze:  # answer this one, then stop answering anything, as a frozen process does
            self.fake.answered = len(self.fake.received)
            asyncio.get_running_loop().call_soon(self.fake.thawed.wait)
        return "250 Message accepted"


class FakeSMTP:
    """``with FakeSMTP(refuse={addr: "550 5.1.1 User unknown"}, drop={addr}) as smtp:``.

    ``latency`` delays each answer to DATA, ``command_latency`` each answer to MAIL, RCPT
    and DATA (a relay slow on every round trip); ``freeze_after=n`` answers n messages and then
    blocks its event loop (nothing answered, connections pile up unanswered, as with a
    stopped process) until the server is closed.
    """

    def __init__(
        self,
        refuse: dict[str, str] | None = None,
        drop: set[str] | None = None,
        latency: float = 0.0,
        freeze_after: int | None = None,
        command_latency: float = 0.0,
    ):
        self.refuse = dict(refuse or {})
        self.drop = set(drop or ())
        self.latency = latency  # seconds before each message is answered
        self.command_latency = command_latency  # seconds before each MAIL, RCPT, DATA answer
        self.freeze_after = freeze_after  # answer this many messages, then freeze
        self.answered: int | None = None  # messages answered before the freeze
        self.thawed = threading.Event()
        self.received: list[ReceivedMail] = []
        self.peers: set = set()  # one per client connection that got as far as RCPT
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = None

    def __enter__(self) -> FakeSMTP:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.thawed.set()
        self._controller.stop()


class HangUpServer:
    """Accepts TCP connections and closes them at once: the SMTP greeting never comes."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._socket.accept()
            except OSError:
                return
            conn.close()

    def __enter__(self) -> HangUpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._socket.close()
