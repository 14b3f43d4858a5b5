"""Tokens: short-lived access tokens and single-use refresh tokens (JWT, flask-jwt-extended).

Every token carries the user's session version (`tv`); bumping it in `credentials`
ends every session of the user at once (sign-out, password change or reset, email
change, deactivation), and voids every reset or email-change token mailed before.
Refresh tokens are also stored, so each is good for one refresh, which issues the
next; presenting one twice means it was stolen, and ends every session too.
Signing keys rotate: each token names its key (`kid`), and the previous keys keep
verifying the tokens they signed until those expire.
"""

import functools
import hashlib
import secrets
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_current_user,
    get_jti,
    verify_jwt_in_request,
)
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction
from werkzeug.exceptions import Unauthorized

from ..database.events import listen_once
from ..errors import handle_http_error
from ..extensions import db, jwt
from ..users.models import Role, User
from .callers import Caller
from .models import Credential, EmailChange, PasswordReset, RefreshToken

# OAuth's name for this kind of token (not a password, whatever bandit's B105 says).
TOKEN_TYPE = "Bearer"  # nosec B105
# Verifies no token: the key a token naming an unknown `kid` is checked against.
UNKNOWN_KEY = secrets.token_urlsafe(48)


@functools.lru_cache(maxsize=32)
def key_id(key: str) -> str:
    """A short, public name for a signing key (never the key itself); remembered, as every
    request verifies its token against the key this names."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def signing_keys() -> dict[str, str]:
    """The current key and the previous ones, by their ids."""
    keys = [current_app.config["JWT_SECRET_KEY"], *current_app.config["JWT_PREVIOUS_SECRET_KEYS"]]
    return {key_id(key): key for key in keys}


@jwt.encode_key_loader
def current_key(_identity: str) -> str:
    """Sign with the current key."""
    return current_app.config["JWT_SECRET_KEY"]


@jwt.additional_headers_loader
def name_the_key(_identity: str) -> dict:
    """Name the key in the token's header, so it can be verified after a rotation."""
    return {"kid": key_id(current_app.config["JWT_SECRET_KEY"])}


@jwt.decode_key_loader
def key_for(header: dict, _payload: dict) -> str:
    """The key the token names (the header is unverified: it only picks the key to check)."""
    return signing_keys().get(header.get("kid") or "", UNKNOWN_KEY)


# An active user and their credential, by user id. Composed once: a statement is
# immutable, and composing this join anew cost every signed-in request about 0.1 ms of CPU.
ACCOUNT = (
    select(User, Credential)
    .join(Credential, Credential.user_id == User.id)
    .where(User.id == bindparam("user_id"), User.is_active)
)


def load_account(subject: str) -> tuple[User, Credential] | None:
    """An active user and their credential, once per request."""
    if "account" not in g:
        g.account = db.session.execute(ACCOUNT, {"user_id": int(subject)}).one_or_none()
    return g.account


@jwt.token_in_blocklist_loader
def is_revoked(_header: dict, payload: dict) -> bool:
    """A token of a vanished or deactivated user, or of an ended session, is refused."""
    account = load_account(payload["sub"])
    return account is None or payload.get("tv") != account[1].token_version


@jwt.user_lookup_loader
def token_user(_header: dict, payload: dict) -> User | None:
    """The user the token speaks for."""
    account = load_account(payload["sub"])
    return account[0] if account else None


class TokenRefused(Unauthorized):
    """A 401 naming what was wrong with the token, with the challenge RFC 6750 asks for."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        """The response headers, with `WWW-Authenticate`."""
        challenge = "Bearer" if self.error_code == "missing_token" else "Bearer error=invalid_token"
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", challenge)]


def unauthorized(code: str, message: str) -> Response:
    """The response for a refused token, in the service's error shape."""
    return handle_http_error(TokenRefused(code, message))


@jwt.unauthorized_loader
def missing_token(_reason: str) -> Response:
    """No token, or not in an `Authorization: Bearer ...` header."""
    return unauthorized("missing_token", "Sign in: send `Authorization: Bearer <access token>`.")


@jwt.invalid_token_loader
def invalid_token(_reason: str) -> Response:
    """A malformed, tampered, foreign or wrong-kind token (the reason is not echoed)."""
    return unauthorized("invalid_token", "The token is not valid here: sign in again.")


@jwt.expired_token_loader
def expired_token(_header: dict, _payload: dict) -> Response:
    """A token past its expiry."""
    return unauthorized("token_expired", "The token has expired: refresh it or sign in again.")


@jwt.revoked_token_loader
def revoked_token(_header: dict, _payload: dict) -> Response:
    """A token of an ended session."""
    return unauthorized("token_revoked", "The session has ended: sign in again.")


@jwt.user_lookup_error_loader
def unknown_user(_header: dict, _payload: dict) -> Response:
    """A token whose user is gone or deactivated."""
    return unauthorized("token_revoked", "The session has ended: sign in again.")


def authenticate() -> Caller:
    """The caller the request's access token names (a 401 when there is none, or a bad one)."""
    verify_jwt_in_request()
    user = get_current_user()
    return Caller(user=user, is_admin=user.role is Role.ADMIN)


def issue_tokens(user: User, credential: Credential) -> dict:
    """A fresh access token and a stored refresh token for the user's current session."""
    claims = {"tv": credential.token_version}
    identity = str(user.id)
    refresh = create_refresh_token(identity, additional_claims=claims)
    expires_at = datetime.now(UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    db.session.add(RefreshToken(jti=get_jti(refresh), user_id=user.id, expires_at=expires_at))
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(identity, additional_claims=claims),
        "refresh_token": refresh,
        "token_type": TOKEN_TYPE,
        "expires_in": int(lifetime.total_seconds()),
    }


def end_sessions(user_id: int, executor=None) -> None:
    """End every session of the user: older tokens are refused, stored refresh tokens revoked,
    and every mailed password-reset or email-change token not yet used is void.

    `executor` runs the statements (the session by default; a connection during a flush).
    """
    executor = executor or db.session
    executor.execute(
        update(Credential)
        .where(Credential.user_id == user_id)
        .values(token_version=Credential.token_version + 1)
    )
    executor.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    # Marked used rather than deleted: a token being confirmed may be written back after this.
    for mailed in (PasswordReset, EmailChange):
        executor.execute(
            update(mailed)
            .where(mailed.user_id == user_id, mailed.used_at.is_(None))
            .values(used_at=datetime.now(UTC))
        )


def end_sessions_of_disabled_users(session: Session, _flush: UOWTransaction, _instances) -> None:
    """A user deactivated or deleted loses every session, whatever code path did it."""
    for user in session.dirty:
        if not isinstance(user, User):
            continue
        state = inspect(user, raiseerr=True).attrs
        deactivated = state.is_active.history.has_changes() and not user.is_active
        deleted = state.deleted_at.history.has_changes() and user.deleted_at is not None
        if deactivated or deleted:
            end_sessions(user.id, session.connection())


def init_tokens(app: Flask) -> None:
    """Bind flask-jwt-extended to the app, and end the sessions of users who are disabled."""
    jwt.init_app(app)
    listen_once(db.session, "before_flush", end_sessions_of_disabled_users)
