"""/api/v1/auth/email: change one's own email address, proven by password and by mail.

The address decides who can reset the password, so a bearer token alone cannot move
it: the change needs the current password, takes effect only once a token mailed to
the new address comes back, and the old address is told.
"""

import secrets
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ..extensions import db, limiter
from ..users.models import User
from ..validation import ModelValidationError, clean_email
from .mail import SmtpServer, after_response, deliver, message
from .models import Credential, EmailChange
from .passwords import verify_password
from .policies import Policy, access, current_caller
from .routes import redeem, token_digest
from .schemas import EmailChangeConfirmSchema, EmailChangeSchema, MessageSchema
from .tokens import end_sessions

blp = Blueprint(
    "email",
    __name__,
    url_prefix="/api/v1/auth/email",
    description="Changing one's own email address.",
)
CHANGE_SENT = "A confirmation token is on its way to the new address, unless it has an account."


def address_taken(email: str) -> bool:
    """Whether a live account already uses this address (any case)."""
    query = select(User.id).where(func.lower(User.email) == email, User.deleted_at.is_(None))
    return db.session.scalar(query) is not None


def confirmation_mail(user: User, new_email: str, token: str) -> EmailMessage:
    """The mail to the new address, with the token that makes the change."""
    config = current_app.config
    return message(
        new_email,
        f"Confirm your new {config['API_TITLE']} email address",
        f"Someone asked to move the account of {user.email} to this address.\n\n"
        f"Your confirmation token: {token}\n\n"
        f"It works once, for {config['PASSWORD_RESET_MINUTES']} minutes. "
        "If it was not you, ignore this mail.\n",
    )


def notice_mail(user: User, new_email: str) -> EmailMessage:
    """The mail to the old address, saying a change was asked for."""
    config = current_app.config
    return message(
        user.email,
        f"Your {config['API_TITLE']} email address is about to change",
        f"Someone who knows your password asked to move your account to {new_email}.\n\n"
        "Nothing changes until the new address confirms it. If it was not you, change "
        "your password now: that cancels the change and ends every session.\n",
    )


def mail_email_change(user_id: int, new_email: str) -> None:
    """Tell the current address, and mail a token to the new one unless it is taken."""
    user = db.session.get_one(User, user_id)
    server = SmtpServer.configured()
    if not address_taken(new_email):
        token = secrets.token_urlsafe(32)
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        expires_at = datetime.now(UTC) + timedelta(minutes=minutes)
        digest = token_digest(token)
        db.session.add(
            EmailChange(
                user_id=user_id, new_email=new_email, token_hash=digest, expires_at=expires_at
            )
        )
        db.session.commit()
        deliver(confirmation_mail(user, new_email, token), server)
    deliver(notice_mail(user, new_email), server)


@blp.route("")
class EmailChangeRequest(MethodView):
    """Asking to change one's email address."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="requestEmailChange")
    @limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"])
    @blp.arguments(EmailChangeSchema())
    @blp.response(202, MessageSchema)
    def post(self, data: dict) -> dict:
        """Ask to move the caller's account to a new email address.

        The current password must be right (422 otherwise). A token goes to the new
        address, and a notice to the current one; nothing changes until the token is
        confirmed. The answer is the same, and takes as long, whether or not the new
        address is taken (a taken one gets no token).
        """
        user = current_caller().signed_in
        credential = db.session.get(Credential, user.id)
        password_hash = credential.password_hash if credential else None
        if not verify_password(password_hash, data["current_password"]):
            raise ModelValidationError("current_password", "is not the current password")
        new_email = clean_email("new_email", data["new_email"])
        if new_email == user.email:
            raise ModelValidationError("new_email", "is already the account's address")
        after_response(mail_email_change, user.id, new_email)
        return {"message": CHANGE_SENT}


@blp.route("/confirm")
class EmailChangeConfirm(MethodView):
    """Confirming a new email address with the mailed token."""

    @access(Policy.PUBLIC)
    @blp.doc(operationId="confirmEmailChange", security=[])
    @limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"])
    @blp.arguments(EmailChangeConfirmSchema())
    @blp.response(204)
    def post(self, data: dict) -> None:
        """Make the change of address the token was mailed for.

        A token that is unknown, used or expired is a 422; an address taken since is a
        409. Every session of the account ends: sign in with the new address.
        """
        change, user = redeem(EmailChange, data["token"])
        user.email = change.new_email
        end_sessions(user.id)
        db.session.commit()
