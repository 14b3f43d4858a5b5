"""/api/v1/auth: sign in, refresh, sign out, change a password, reset a forgotten one."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_smorest import Blueprint
from jwt import PyJWTError
from sqlalchemy import func, select

from ..extensions import db, limiter
from ..users.models import User
from ..validation import ModelValidationError
from .mail import SmtpServer, after_response, deliver, message
from .models import Credential, EmailChange, PasswordReset, RefreshToken
from .passwords import check_new_password, hash_password, needs_rehash, verify_password
from .policies import Policy, access, current_caller
from .schemas import (
    MessageSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RefreshSchema,
    SignInSchema,
    TokensSchema,
)
from .tokens import TokenRefused, end_sessions, issue_tokens, load_account

blp = Blueprint(
    "auth", __name__, url_prefix="/api/v1/auth", description="Signing in and out, and passwords."
)
RESET_SENT = "If the address has an account, a reset token is on its way to it."
Mailed = TypeVar("Mailed", PasswordReset, EmailChange)


def account_by_email(email: str) -> tuple[User, Credential | None] | tuple[None, None]:
    """The user with this address (any case) and their credential, if there is one."""
    query = (
        select(User, Credential)
        .outerjoin(Credential, Credential.user_id == User.id)
        .where(func.lower(User.email) == email.lower())
    )
    return db.session.execute(query).one_or_none() or (None, None)


def set_password(user: User, credential: Credential | None, password: str) -> None:
    """Store a new password for the user, creating their credential if they had none."""
    password_hash = hash_password(check_new_password(password, user.email))
    if credential is None:
        db.session.add(Credential(user_id=user.id, password_hash=password_hash))
    else:
        credential.password_hash = password_hash
        credential.password_changed_at = func.now()


def token_digest(token: str) -> str:
    """How a mailed reset token is stored: hashed, so a database leak cannot use it."""
    return hashlib.sha256(token.encode()).hexdigest()


def redeem(model: type[Mailed], token: str) -> tuple[Mailed, User]:
    """Mark a mailed token used and return it with its user; 422 if unknown, used or expired."""
    query = select(model).where(model.token_hash == token_digest(token)).with_for_update()
    mailed = db.session.scalar(query)
    now = datetime.now(UTC)
    if mailed is not None and (mailed.used_at is not None or mailed.expires_at <= now):
        mailed = None  # used or expired: as good as unknown
    # A query rather than the identity map, so a deleted user stays hidden.
    user = db.session.scalar(select(User).where(User.id == mailed.user_id)) if mailed else None
    if mailed is None or user is None or not user.is_active:
        raise ModelValidationError("token", "is unknown, used or expired: ask for a new one")
    mailed.used_at = now
    return mailed, user


def reset_mail(user: User, token: str) -> EmailMessage:
    """The mail that carries a password-reset token, or a link that holds it."""
    config = current_app.config
    link = config["PASSWORD_RESET_URL"].replace("{token}", token)
    how = f"Choose a new one here: {link}" if link else f"Your reset token: {token}"
    return message(
        user.email,
        f"Reset your {config['API_TITLE']} password",
        f"Someone asked to reset the password of {user.email}.\n\n{how}\n\n"
        f"It works once, for {config['PASSWORD_RESET_MINUTES']} minutes. "
        "If it was not you, ignore this mail.\n",
    )


def mail_reset_token(email: str) -> None:
    """Store a reset token for the active account with this address, if any, and mail it."""
    user, _ = account_by_email(email)
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    expires_at = datetime.now(UTC) + timedelta(minutes=minutes)
    db.session.add(
        PasswordReset(user_id=user.id, token_hash=token_digest(token), expires_at=expires_at)
    )
    db.session.commit()
    deliver(reset_mail(user, token), SmtpServer.configured())


@blp.route("/token")
class SignIn(MethodView):
    """Signing in."""

    @access(Policy.PUBLIC)
    @blp.doc(operationId="signIn", security=[])
    @limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"])
    @blp.arguments(SignInSchema())
    @blp.response(200, TokensSchema)
    def post(self, data: dict) -> dict:
        """Sign in with an email and a password.

        Returns a short-lived access token, to send as `Authorization: Bearer ...`, and a
        refresh token. A wrong email or password, or a deactivated account, is a 401 (the
        same answer for each); too many attempts from one address are a 429.
        """
        user, credential = account_by_email(data["email"])
        password_hash = credential.password_hash if credential else None
        verified = verify_password(password_hash, data["password"])
        if not verified or user is None or credential is None or not user.is_active:
            raise TokenRefused("sign_in_failed", "The email or the password is wrong.")
        if needs_rehash(credential.password_hash):
            credential.password_hash = hash_password(data["password"])
        tokens = issue_tokens(user, credential)
        db.session.commit()
        return tokens


@blp.route("/refresh")
class Refresh(MethodView):
    """Refreshing tokens."""

    @access(Policy.PUBLIC)
    @blp.doc(operationId="refreshTokens", security=[])
    @blp.arguments(RefreshSchema())
    @blp.response(200, TokensSchema)
    def post(self, data: dict) -> dict:
        """Trade a refresh token for a new pair of tokens.

        A refresh token works once. Presenting one a second time means it was copied:
        every session of the account ends, and its owner must sign in again.
        """
        try:
            payload = decode_token(data["refresh_token"])
        except (JWTExtendedException, PyJWTError):
            raise TokenRefused("invalid_token", "The refresh token is not valid.") from None
        if payload.get("type") != "refresh":
            raise TokenRefused("invalid_token", "A refresh token is needed here.")
        query = select(RefreshToken).where(RefreshToken.jti == payload["jti"]).with_for_update()
        record, account = db.session.scalar(query), load_account(payload["sub"])
        if record is None or account is None:
            raise TokenRefused("token_revoked", "The session has ended: sign in again.")
        user, credential = account
        if record.used_at is not None and record.revoked_at is None:
            end_sessions(user.id)  # a refresh token used twice was stolen
            db.session.commit()
        if record.used_at or record.revoked_at or payload.get("tv") != credential.token_version:
            raise TokenRefused("token_revoked", "The session has ended: sign in again.")
        record.used_at = datetime.now(UTC)
        tokens = issue_tokens(user, credential)
        db.session.commit()
        return tokens


@blp.route("/logout")
class SignOut(MethodView):
    """Signing out."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="signOut")
    @blp.response(204)
    def post(self) -> None:
        """Sign out everywhere.

        Every access and refresh token of the account stops working.
        """
        end_sessions(current_caller().signed_in.id)
        db.session.commit()


@blp.route("/password")
class PasswordChange(MethodView):
    """Changing one's password."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="changePassword")
    @blp.arguments(PasswordChangeSchema())
    @blp.response(204)
    def post(self, data: dict) -> None:
        """Change the caller's password.

        The current password must be right (422 otherwise). Every session of the account
        ends, this one included: sign in again with the new password.
        """
        user = current_caller().signed_in
        credential = db.session.get(Credential, user.id)
        password_hash = credential.password_hash if credential else None
        if not verify_password(password_hash, data["current_password"]):
            raise ModelValidationError("current_password", "is not the current password")
        set_password(user, credential, data["new_password"])
        end_sessions(user.id)
        db.session.commit()


@blp.route("/password-reset")
class PasswordResetRequest(MethodView):
    """Asking for a password reset."""

    @access(Policy.PUBLIC)
    @blp.doc(operationId="requestPasswordReset", security=[])
    @limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"])
    @blp.arguments(PasswordResetRequestSchema())
    @blp.response(202, MessageSchema)
    def post(self, data: dict) -> dict:
        """Mail a password-reset token to an address.

        The answer is the same whether or not the address has an account, and takes as
        long: looking the address up, storing the token and mailing it all happen after
        it. The token works once, until it expires.
        """
        after_response(mail_reset_token, data["email"])
        return {"message": RESET_SENT}


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    """Choosing a new password with a mailed token."""

    @access(Policy.PUBLIC)
    @blp.doc(operationId="resetPassword", security=[])
    @limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"])
    @blp.arguments(PasswordResetSchema())
    @blp.response(204)
    def post(self, data: dict) -> None:
        """Set a new password with a reset token.

        A token that is unknown, used or expired is a 422. Every session of the account
        ends: sign in with the new password.
        """
        _, user = redeem(PasswordReset, data["token"])
        set_password(user, db.session.get(Credential, user.id), data["new_password"])
        end_sessions(user.id)
        db.session.commit()
