"""How the tests call the API as someone: the headers that authenticate as a given user.

A user gets a password (PASSWORD) the first time, and an access token of their
current session.
"""

from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from my_service.auth.models import Credential
from my_service.auth.passwords import hash_password
from my_service.extensions import db
from my_service.users.models import User

PASSWORD = "correct horse battery staple"


def credential_of(user: User) -> Credential:
    """The user's credential, made with PASSWORD if they have none."""
    credential = db.session.get(Credential, user.id)
    if credential is None:
        credential = Credential(user_id=user.id, password_hash=hash_password(PASSWORD))
        db.session.add(credential)
        db.session.commit()
    return credential


def bearer(user: User) -> dict[str, str]:
    """Headers that authenticate as `user`."""
    claims = {"tv": credential_of(user).token_version}
    token = create_access_token(str(user.id), additional_claims=claims)
    return {"Authorization": f"Bearer {token}"}


def client_as(app: Flask, user: User | None) -> FlaskClient:
    """A test client whose every request authenticates as `user` (None: anonymous)."""
    client = app.test_client()
    if user is not None:
        for name, value in bearer(user).items():
            client.environ_base["HTTP_" + name.upper().replace("-", "_")] = value
    return client
