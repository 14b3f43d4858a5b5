"""Mail the service sends (password resets, email changes), through the SMTP server the
settings name.

Mail goes out after the response has been sent. Work that only some answers would
do (for a reset, everything a known address costs: the lookup, the token, the mail)
runs then too, through `after_response`, so every answer takes as long.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, Response, after_this_request, current_app

logger = logging.getLogger(__name__)


def message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text mail from MAIL_FROM."""
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes, read from the SMTP_* settings while the request is still there."""

    host: str
    port: int
    username: str
    password: str
    starttls: bool
    timeout: int

    @classmethod
    def configured(cls) -> "SmtpServer":
        """The app's SMTP settings."""
        config = current_app.config
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            starttls=config["SMTP_STARTTLS"],
            timeout=config["SMTP_TIMEOUT"],
        )


def deliver(mail: EmailMessage, server: SmtpServer) -> None:
    """Hand `mail` to the SMTP server."""
    try:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as connection:
            if server.starttls:
                connection.starttls()
            if server.username:
                connection.login(server.username, server.password)
            connection.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        # The address is personal data: the log names the failure, not the recipient.
        logger.error("Mail not sent (%s): %s", mail["Subject"], type(error).__name__)


def after_response(work: Callable[..., None], *args: object) -> None:
    """Run `work(*args)` once the response has gone out, in an app context of its own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy in Flask

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(lambda: run_detached(app, work, args))
        return response


def run_detached(app: Flask, work: Callable[..., None], args: tuple) -> None:
    """Run `work` outside the request; a failure is logged, since nobody is left to answer."""
    with app.app_context():
        try:
            work(*args)
        except Exception:  # the client has its answer: log whatever went wrong
            logger.exception("Work after the response failed: %s", work.__name__)
