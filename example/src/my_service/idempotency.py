"""Writes a client can retry safely: the `Idempotency-Key` request header.

A client that lost the answer to a POST cannot know whether it happened. Sent with an
`Idempotency-Key`, the request's write and its answer are stored together, in one
transaction: the same key again (from the same caller, with the same request) gets
the stored answer, marked `Idempotent-Replayed: true`, and writes nothing; the same
key with another request is a 422. Keys expire after IDEMPOTENCY_KEY_HOURS.

A view opts in with `@idempotent` and ends its unit of work with `commit()`, which
defers the commit to here when a key is present.
"""

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Response, current_app, g, request
from sqlalchemy import Identity, Index, SmallInteger, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import Conflict, UnprocessableEntity

from .auth.policies import current_caller
from .extensions import Model, db

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Makes the request safe to retry: the same key with the same request returns "
        "the first answer without writing again; with another request, a 422."
    ),
}


class IdempotencyKey(Model):
    """A key a caller sent with a write, and the answer that write got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]


# One key per caller: two callers may pick the same one.
Index("uq_idempotency_keys_owner_key", IdempotencyKey.owner, IdempotencyKey.key, unique=True)


def commit() -> None:
    """End the request's unit of work: commit it now, or, when the request carries an
    Idempotency-Key, write it out and leave the commit to `idempotent`, which commits it
    together with the stored answer."""
    if g.get("idempotency_key") is not None:
        db.session.flush()
    else:
        db.session.commit()


def fingerprint() -> str:
    """What makes two requests the same: method, path, query and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.full_path, request.get_data()):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def replay(stored: IdempotencyKey) -> Response:
    """The stored answer, again."""
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def stored_answer(owner: str, key: str) -> IdempotencyKey | None:
    """The live answer stored under this caller's key, if there is one."""
    return db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.owner == owner,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at > datetime.now(UTC),
        )
    )


def answer_for(owner: str, key: str, request_hash: str) -> Response | None:
    """The stored answer when this key was used before; a 422 when for another request."""
    stored = stored_answer(owner, key)
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise UnprocessableEntity(
            f"This {HEADER} was used with another request: send a new key for a new request."
        )
    return replay(stored)


def idempotent(view: Callable) -> Callable:
    """Let a creating view honour `Idempotency-Key` (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not VALID_KEY.fullmatch(key):
            raise UnprocessableEntity(f"{HEADER} must be 1 to 255 printable ASCII characters.")
        caller = current_caller()
        owner = f"user:{caller.user_id}" if caller.user is not None else "gateway"
        request_hash = fingerprint()
        earlier = answer_for(owner, key, request_hash)
        if earlier is not None:
            return earlier
        # An expired key under the same name makes way for this request.
        db.session.execute(
            IdempotencyKey.__table__.delete().where(
                IdempotencyKey.owner == owner,
                IdempotencyKey.key == key,
                IdempotencyKey.expires_at <= datetime.now(UTC),
            )
        )
        g.idempotency_key = key
        try:
            response = view(*args, **kwargs)
        finally:
            g.idempotency_key = None
        hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
        db.session.add(
            IdempotencyKey(
                owner=owner,
                key=key,
                request_hash=request_hash,
                status=response.status_code,
                body=response.get_data(as_text=True),
                expires_at=datetime.now(UTC) + timedelta(hours=hours),
            )
        )
        try:
            db.session.commit()
        except IntegrityError:
            # The same key, sent at the same time, won: this request's write is undone.
            db.session.rollback()
            earlier = answer_for(owner, key, request_hash)
            if earlier is None:
                raise Conflict(f"A request with this {HEADER} is under way: retry it.") from None
            return earlier
        return response

    return wrapper
