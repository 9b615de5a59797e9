"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the e-mail tests.

It speaks the protocol our client speaks to any mail server; ``refuse`` makes it refuse recipients
for good (550), as a server does for an address that does not exist.
"""
from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from bot.stack.supervisor import free_port


class CollectingHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook name)
        if address.lower() in self.refused:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)  # what policy.default parses into
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpServer:
    """The server and what it received; ``url`` is what ``SMTP_URL`` points at."""

    def __init__(self, port: int | None = None) -> None:
        self.handler = CollectingHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def refuse(self, address: str) -> None:
        self.handler.refused.add(address.lower())

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[EmailMessage]:
        """The messages once at least ``count`` arrived; fails the test after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"expected {count} e-mails, the SMTP server received {len(self.messages)}")
            time.sleep(0.1)
        return list(self.messages)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:  # aiosmtpd refuses to stop a server twice
            self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()
