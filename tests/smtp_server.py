"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, that keeps every
message it accepts, and can be taken down and brought back on the same port (an outage)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.server.refusing:
            return "451 4.3.0 Mailbox temporarily unavailable"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            for rcpt in envelope.rcpt_tos:
                self.server.received.append((rcpt, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, EmailMessage]] = []
        self.lock = threading.Lock()
        self.refusing = False
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def take(self) -> list[tuple[str, EmailMessage]]:
        """The messages received since the last take, in arrival order."""
        with self.lock:
            out, self.received = self.received, []
        return out
