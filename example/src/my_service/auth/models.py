"""What signing in remembers: each user's password and session version, the refresh tokens
issued, and the password-reset and email-change tokens mailed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..validation import EMAIL_LENGTH


class Credential(Model):
    """A user's password (hashed), and the session version every token of theirs carries."""

    __tablename__ = "credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped to end every session of the user at once: a token of an older version is refused.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    password_changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RefreshToken(Model):
    """A refresh token issued: good for one refresh (which issues the next), unless revoked."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    jti: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PasswordReset(Model):
    """A password-reset token mailed to a user: stored hashed, good once, until it expires."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EmailChange(Model):
    """A move to a new email address: the token mailed to it is stored hashed, good once."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
