"""A forgotten password: a one-time, expiring token by mail, the same answer for any address."""

import hashlib
import re

import pytest
from sqlalchemy import select

from my_service.auth.models import PasswordReset
from my_service.auth.routes import RESET_SENT
from my_service.users.models import User

from ..callers import PASSWORD, bearer, credential_of
from ..factories import UserFactory

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a freshly chosen password"


@pytest.fixture
def ada(app) -> User:
    """A member who can sign in with PASSWORD."""
    user = UserFactory(email="ada@example.com", name="Ada")
    credential_of(user)
    return user


def request_reset(anonymous, email: str):
    """Ask for a reset; the mail leaves once the response is done with, as after a real one."""
    response = anonymous.post(RESET, json={"email": email})
    response.close()
    return response


def token_in(mail) -> str:
    """The reset token a mail carries."""
    return re.search(r"Your reset token: (\S+)", mail.get_content()).group(1)


def sign_in(anonymous, password: str) -> int:
    return anonymous.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": password}
    ).status_code


def test_a_mailed_token_sets_a_new_password_once(anonymous, ada, mailbox):
    assert request_reset(anonymous, "ADA@example.com").status_code == 202
    [mail] = mailbox.messages
    assert mail["To"] == "ada@example.com"
    token = token_in(mail)
    first = anonymous.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    assert first.status_code == 204
    assert sign_in(anonymous, PASSWORD) == 401
    assert sign_in(anonymous, NEW_PASSWORD) == 200
    again = anonymous.post(CONFIRM, json={"token": token, "new_password": "yet another password"})
    assert again.status_code == 422
    assert again.get_json()["error"]["field"] == "token"


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(anonymous, ada, mailbox):
    known, unknown = request_reset(anonymous, "ada@example.com"), request_reset(
        anonymous, "nobody@example.com"
    )
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert [mail["To"] for mail in mailbox.messages] == ["ada@example.com"]


def test_the_mail_leaves_after_the_response(anonymous, ada, mailbox):
    response = anonymous.post(RESET, json={"email": "ada@example.com"})
    assert mailbox.messages == []
    response.close()
    assert len(mailbox.messages) == 1


def test_an_expired_token_is_refused(app, anonymous, ada, mailbox):
    app.config["PASSWORD_RESET_MINUTES"] = 0
    request_reset(anonymous, "ada@example.com")
    response = anonymous.post(
        CONFIRM, json={"token": token_in(mailbox.messages[0]), "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert sign_in(anonymous, PASSWORD) == 200


def test_a_reset_ends_every_session(anonymous, ada, mailbox):
    tokens = anonymous.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD}
    ).get_json()
    request_reset(anonymous, "ada@example.com")
    token = token_in(mailbox.messages[0])
    anonymous.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert anonymous.get("/api/v1/users/me", headers=headers).status_code == 401


def test_a_deactivated_user_gets_no_mail(anonymous, ada, session, mailbox):
    ada.deactivate()
    session.commit()
    assert request_reset(anonymous, "ada@example.com").status_code == 202
    assert mailbox.messages == []


def test_a_configured_reset_link_carries_the_token(app, anonymous, ada, mailbox):
    app.config["PASSWORD_RESET_URL"] = "https://app.example.com/reset?token={token}"
    request_reset(anonymous, "ada@example.com")
    body = mailbox.messages[0].get_content()
    assert re.search(r"https://app\.example\.com/reset\?token=\S{20,}", body)


def test_a_mail_server_that_is_down_is_logged_and_the_answer_stays_the_same(
    app, anonymous, ada, log_output
):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)
    assert request_reset(anonymous, "ada@example.com").status_code == 202
    logged = log_output.getvalue()
    assert "Mail not sent" in logged
    assert "ada@example.com" not in logged


def test_using_one_reset_token_voids_the_others(anonymous, ada, mailbox):
    request_reset(anonymous, "ada@example.com")
    request_reset(anonymous, "ada@example.com")
    first, second = (token_in(mail) for mail in mailbox.messages)
    assert (
        anonymous.post(CONFIRM, json={"token": first, "new_password": NEW_PASSWORD}).status_code
        == 204
    )
    late = anonymous.post(CONFIRM, json={"token": second, "new_password": "yet another password"})
    assert late.status_code == 422
    assert sign_in(anonymous, NEW_PASSWORD) == 200


@pytest.mark.parametrize("end", ["password change", "sign-out everywhere"])
def test_changing_the_password_or_signing_out_voids_mailed_reset_tokens(
    anonymous, ada, mailbox, end
):
    request_reset(anonymous, "ada@example.com")
    token = token_in(mailbox.messages[0])
    headers = bearer(ada)
    if end == "password change":
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert (
            anonymous.post("/api/v1/auth/password", json=body, headers=headers).status_code == 204
        )
    else:
        assert anonymous.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = anonymous.post(
        CONFIRM, json={"token": token, "new_password": "yet another password"}
    )
    assert response.status_code == 422
    assert sign_in(anonymous, "yet another password") == 401


def test_reset_tokens_are_stored_hashed(anonymous, ada, session, mailbox):
    request_reset(anonymous, "ada@example.com")
    token = token_in(mailbox.messages[0])
    [stored] = session.scalars(select(PasswordReset)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
def test_the_answer_leaves_before_any_work_on_the_address(
    anonymous, ada, mailbox, statements, email
):
    """The same answer for any address, and as fast: nothing about the address runs before it.

    Until the response is done with, no statement has been sent and no mail written, so an
    address with an account cannot be told from one without by the answer or its timing.
    """
    statements.clear()
    response = anonymous.post(RESET, json={"email": email})
    assert (response.status_code, response.get_json()) == (202, {"message": RESET_SENT})
    assert (statements, mailbox.messages) == ([], [])
    response.close()
    assert statements, "the address is looked up once the response is done with"
    assert len(mailbox.messages) == (1 if email == "ada@example.com" else 0)
