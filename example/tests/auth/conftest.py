"""A real SMTP server for the mail tests (aiosmtpd), on a free local port: no mail leaves."""

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Mailbox:
    """An aiosmtpd handler that keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class LocalController(Controller):
    """aiosmtpd's Controller on a port the system picks (its own check needs a fixed one)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def mailbox(app: Flask) -> Iterator[Mailbox]:
    """What the app mails, received by a local SMTP server the app is pointed at."""
    box = Mailbox()
    controller = LocalController(box, hostname="127.0.0.1", port=0)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield box
    finally:
        controller.stop()
