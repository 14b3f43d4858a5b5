"""Mail the service sends (password resets), through the SMTP server the settings name.

Mail goes out after the response has been sent, so the answer to a reset request
takes as long whether or not the address has an account.
"""

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Response, current_app

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


def send_after(response: Response, mail: EmailMessage) -> None:
    """Send `mail` once `response` has gone out; a failure is logged, never raised."""
    server = SmtpServer.configured()
    response.call_on_close(lambda: deliver(mail, server))


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
