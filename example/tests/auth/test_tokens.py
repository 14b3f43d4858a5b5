"""Signing in, tokens and sessions: what a token proves, how long, and what ends it."""

import time
from datetime import timedelta

import jwt
import pytest
from flask_jwt_extended import create_access_token, decode_token
from sqlalchemy import select

from my_service.auth.models import Credential, RefreshToken
from my_service.users.models import Role, User

from ..callers import PASSWORD, bearer, credential_of
from ..factories import UserFactory

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/users/me"


@pytest.fixture
def ada(app) -> User:
    """A member who can sign in with PASSWORD."""
    user = UserFactory(email="ada@example.com", name="Ada")
    credential_of(user)
    return user


def sign_in(anonymous, email: str = "ada@example.com", password: str = PASSWORD):
    return anonymous.post(TOKEN, json={"email": email, "password": password})


def as_bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(anonymous, tokens: dict) -> int:
    """The status of trading the pair's refresh token."""
    return anonymous.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).status_code


def test_signing_in_returns_a_bearer_access_token_and_a_refresh_token(anonymous, ada):
    response = sign_in(anonymous)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 15 * 60)
    assert response.headers["Cache-Control"] == "no-store"
    me = anonymous.get(ME, headers=as_bearer(body["access_token"]))
    assert me.get_json()["email"] == "ada@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "not the password"), ("nobody@example.com", PASSWORD)],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_401(anonymous, ada, email, password):
    response = sign_in(anonymous, email, password)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == (
        "sign_in_failed",
        "The email or the password is wrong.",
    )
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_stored_password_is_an_argon2id_hash(ada, session):
    stored = session.get(Credential, ada.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize("change", ["deactivate", "soft_delete"])
def test_a_deactivated_or_deleted_user_cannot_sign_in(anonymous, ada, session, change):
    getattr(ada, change)()
    session.commit()
    assert sign_in(anonymous).status_code == 401


def test_no_token_answers_401_with_a_bearer_challenge(anonymous):
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_refresh_token_is_good_for_one_refresh_which_issues_the_next(anonymous, ada):
    first = sign_in(anonymous).get_json()
    second = anonymous.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    tokens = second.get_json()
    assert tokens["refresh_token"] != first["refresh_token"]
    assert anonymous.get(ME, headers=as_bearer(tokens["access_token"])).status_code == 200
    third = anonymous.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert third.status_code == 200


def test_a_refresh_token_used_twice_ends_every_session(anonymous, ada):
    first = sign_in(anonymous).get_json()
    other_device = sign_in(anonymous).get_json()
    assert refresh(anonymous, first) == 200
    replay = anonymous.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.get_json()["error"]["code"] == "token_revoked"
    # The theft ends the other device's session too.
    assert anonymous.get(ME, headers=as_bearer(other_device["access_token"])).status_code == 401
    stale = anonymous.post(REFRESH, json={"refresh_token": other_device["refresh_token"]})
    assert stale.status_code == 401


@pytest.mark.parametrize(
    "end",
    [
        lambda anonymous, headers: anonymous.post("/api/v1/auth/logout", headers=headers),
        lambda anonymous, headers: anonymous.post(
            "/api/v1/auth/password",
            headers=headers,
            json={"current_password": PASSWORD, "new_password": "a brand new password"},
        ),
    ],
    ids=["sign-out", "password-change"],
)
def test_signing_out_or_changing_the_password_ends_every_session(anonymous, ada, end):
    tokens = sign_in(anonymous).get_json()
    headers = as_bearer(tokens["access_token"])
    assert end(anonymous, headers).status_code == 204
    refused = anonymous.get(ME, headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "token_revoked"
    assert refresh(anonymous, tokens) == 401


def test_after_a_password_change_the_new_password_signs_in(anonymous, ada):
    headers = as_bearer(sign_in(anonymous).get_json()["access_token"])
    change = {"current_password": PASSWORD, "new_password": "a brand new password"}
    anonymous.post("/api/v1/auth/password", headers=headers, json=change)
    assert sign_in(anonymous).status_code == 401
    assert sign_in(anonymous, password="a brand new password").status_code == 200


def test_a_wrong_current_password_changes_nothing(anonymous, ada, session):
    headers = as_bearer(sign_in(anonymous).get_json()["access_token"])
    change = {"current_password": "wrong", "new_password": "a brand new password"}
    response = anonymous.post("/api/v1/auth/password", headers=headers, json=change)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "current_password"
    assert sign_in(anonymous).status_code == 200


@pytest.mark.parametrize(
    ("password", "rule"),
    [("short", "at least 12 characters"), ("ada@example.com", "must not be the email")],
)
def test_a_new_password_must_follow_the_rules(anonymous, ada, password, rule):
    headers = as_bearer(sign_in(anonymous).get_json()["access_token"])
    change = {"current_password": PASSWORD, "new_password": password}
    response = anonymous.post("/api/v1/auth/password", headers=headers, json=change)
    assert response.status_code == 422
    assert rule in response.get_json()["error"]["message"]


def test_deactivating_a_user_ends_their_sessions(client, anonymous, ada):
    tokens = sign_in(anonymous).get_json()
    assert client.patch(f"/api/v1/users/{ada.id}", json={"is_active": False}).status_code == 200
    assert anonymous.get(ME, headers=as_bearer(tokens["access_token"])).status_code == 401
    assert refresh(anonymous, tokens) == 401


def test_deleting_a_user_makes_their_token_worthless(client, anonymous, ada):
    headers = bearer(ada)
    assert client.delete(f"/api/v1/users/{ada.id}").status_code == 204
    response = anonymous.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_revoked"


def test_a_member_cannot_make_themselves_admin_or_reactivate(app, anonymous, ada):
    headers = bearer(ada)
    for change in ({"role": "admin"}, {"is_active": True}):
        response = anonymous.patch(f"/api/v1/users/{ada.id}", headers=headers, json=change)
        assert response.status_code == 403
    assert anonymous.get(ME, headers=headers).get_json()["role"] == "member"


def test_an_access_token_expires(app, anonymous, ada):
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    headers = bearer(ada)
    response = anonymous.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_a_previous_signing_key_keeps_working_until_it_is_dropped(app, anonymous, ada):
    old_headers = bearer(ada)
    old_key = app.config["JWT_SECRET_KEY"]
    app.config["JWT_SECRET_KEY"] = "a-brand-new-signing-key-of-at-least-32-bytes"
    app.config["JWT_PREVIOUS_SECRET_KEYS"] = [old_key]
    assert anonymous.get(ME, headers=old_headers).status_code == 200
    assert anonymous.get(ME, headers=bearer(ada)).status_code == 200
    app.config["JWT_PREVIOUS_SECRET_KEYS"] = []
    assert anonymous.get(ME, headers=old_headers).status_code == 401
    assert anonymous.get(ME, headers=bearer(ada)).status_code == 200


def forged(app, ada, **changes) -> str:
    """A token like the app's, with some part of it changed."""
    token = create_access_token(str(ada.id), additional_claims={"tv": 0})
    claims = decode_token(token)
    # The header names the key; its `alg` goes, or PyJWT would sign with it whatever asked.
    header = {k: v for k, v in jwt.get_unverified_header(token).items() if k != "alg"}
    key = changes.pop("key", app.config["JWT_SECRET_KEY"])
    algorithm = changes.pop("algorithm", "HS256")
    return jwt.encode({**claims, **changes}, key, algorithm=algorithm, headers=header)


@pytest.mark.parametrize(
    "changes",
    [
        {"key": "someone-else-s-key-of-at-least-32-bytes!"},
        {"aud": "another-service"},
        {"iss": "another-issuer"},
        {"type": "refresh"},
        {"sub": "987654321"},
        {"tv": 7},
        # The right key with another HMAC: PyJWT warns that the key is short for HS512.
        pytest.param(
            {"algorithm": "HS512"},
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
    ],
    ids=[
        "wrong-signature",
        "wrong-audience",
        "wrong-issuer",
        "refresh-as-access",
        "no-such-user",
        "old-session",
        "another-hmac-algorithm",
    ],
)
def test_a_tampered_token_is_refused_with_401(app, anonymous, ada, changes):
    credential_of(ada)
    response = anonymous.get(ME, headers=as_bearer(forged(app, ada, **changes)))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in {"invalid_token", "token_revoked"}


def test_an_unsigned_token_is_refused(app, anonymous, ada):
    claims = decode_token(create_access_token(str(ada.id), additional_claims={"tv": 0}))
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    response = anonymous.get(ME, headers=as_bearer(unsigned))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_create_admin_reads_a_piped_password(app, session):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "root@example.com"], input="a piped-in password\n"
    )
    assert result.exit_code == 0, result.output
    admin = session.scalar(select(User).where(User.email == "root@example.com"))
    assert admin.role is Role.ADMIN
    assert session.get(Credential, admin.id).password_hash.startswith("$argon2id$")


def test_create_admin_refuses_a_weak_password(app, session):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "root@example.com"], input="short\n"
    )
    assert result.exit_code == 1
    assert "The password must be at least 12 characters long." in result.output


def test_sign_in_issues_refresh_tokens_that_are_stored_and_expire(anonymous, ada, session):
    before = time.time()
    refresh = sign_in(anonymous).get_json()["refresh_token"]
    stored = session.scalar(select(RefreshToken).where(RefreshToken.user_id == ada.id))
    assert stored.jti == decode_token(refresh)["jti"]
    assert stored.expires_at.timestamp() >= before + 13 * 24 * 3600


@pytest.mark.parametrize("kid", ["0123456789abcdef", None], ids=["unknown-kid", "no-kid"])
def test_a_token_that_names_no_known_key_is_refused(app, anonymous, ada, kid):
    claims = decode_token(create_access_token(str(ada.id), additional_claims={"tv": 0}))
    header = {"kid": kid} if kid else None
    token = jwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256", headers=header)
    assert "kid" not in jwt.get_unverified_header(token) or kid
    response = anonymous.get(ME, headers=as_bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_deactivated_users_tokens_stay_dead_after_reactivation(client, anonymous, ada):
    tokens = sign_in(anonymous).get_json()
    for active in (False, True):
        response = client.patch(f"/api/v1/users/{ada.id}", json={"is_active": active})
        assert response.status_code == 200
    assert anonymous.get(ME, headers=as_bearer(tokens["access_token"])).status_code == 401
    assert refresh(anonymous, tokens) == 401
    assert sign_in(anonymous).status_code == 200  # reactivated: a new sign-in works


def test_signing_in_rehashes_a_password_hashed_with_weaker_parameters(app, anonymous, ada, session):
    weak = session.get(Credential, ada.id).password_hash
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    assert sign_in(anonymous).status_code == 200
    session.expire_all()
    stronger = session.get(Credential, ada.id).password_hash
    assert stronger != weak
    assert "$m=65536," in stronger
    assert sign_in(anonymous).status_code == 200
    session.expire_all()
    assert session.get(Credential, ada.id).password_hash == stronger  # strong enough: kept
