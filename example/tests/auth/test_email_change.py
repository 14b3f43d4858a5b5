"""Changing one's email: the password, a token mailed to the new address, a notice to the old.

The address decides where password resets go, so a stolen access token alone must
not be able to move it.
"""

import re

import pytest
from sqlalchemy import select

from my_service.auth.models import EmailChange
from my_service.users.models import User

from ..callers import PASSWORD, bearer, credential_of
from ..factories import UserFactory

CHANGE = "/api/v1/auth/email"
CONFIRM = "/api/v1/auth/email/confirm"
RESET = "/api/v1/auth/password-reset"


@pytest.fixture
def ada(app) -> User:
    """A member who can sign in with PASSWORD."""
    user = UserFactory(email="ada@example.com", name="Ada")
    credential_of(user)
    return user


def ask(anonymous, headers: dict, new_email: str, password: str = PASSWORD):
    """Ask to move the account; the mails leave once the response is done with."""
    response = anonymous.post(
        CHANGE, json={"current_password": password, "new_email": new_email}, headers=headers
    )
    response.close()
    return response


def token_in(mail) -> str:
    """The confirmation token a mail carries."""
    return re.search(r"Your confirmation token: (\S+)", mail.get_content()).group(1)


def sign_in(anonymous, email: str, password: str = PASSWORD) -> int:
    return anonymous.post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    ).status_code


def test_a_bearer_token_alone_cannot_move_the_account_to_another_address(
    anonymous, ada, session, mailbox
):
    headers = bearer(ada)
    response = anonymous.patch(
        f"/api/v1/users/{ada.id}", json={"email": "attacker@evil.test"}, headers=headers
    )
    assert response.status_code == 403
    assert "POST /api/v1/auth/email" in response.get_json()["error"]["message"]
    anonymous.post(RESET, json={"email": "attacker@evil.test"}).close()
    session.expire_all()
    assert session.get(User, ada.id).email == "ada@example.com"
    assert mailbox.messages == []


def test_an_administrator_cannot_change_their_own_email_with_patch_either(client, admin):
    response = client.patch(f"/api/v1/users/{admin.id}", json={"email": "boss@example.com"})
    assert response.status_code == 403


def test_the_change_needs_the_current_password(anonymous, ada, session, mailbox):
    response = ask(anonymous, bearer(ada), "new@example.com", password="not the password")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "current_password"
    assert mailbox.messages == []
    assert session.scalars(select(EmailChange)).all() == []


def test_the_new_address_confirms_and_the_old_one_is_told(anonymous, ada, session, mailbox):
    assert ask(anonymous, bearer(ada), "Ada.New@Example.com").status_code == 202
    by_recipient = {mail["To"]: mail for mail in mailbox.messages}
    assert set(by_recipient) == {"ada@example.com", "ada.new@example.com"}
    assert "ada.new@example.com" in by_recipient["ada@example.com"].get_content()
    assert "confirmation token" not in by_recipient["ada@example.com"].get_content()
    session.expire_all()
    assert session.get(User, ada.id).email == "ada@example.com"  # nothing changes yet
    token = token_in(by_recipient["ada.new@example.com"])
    assert anonymous.post(CONFIRM, json={"token": token}).status_code == 204
    session.expire_all()
    assert session.get(User, ada.id).email == "ada.new@example.com"
    assert sign_in(anonymous, "ada.new@example.com") == 200
    assert sign_in(anonymous, "ada@example.com") == 401


def test_a_confirmation_token_works_once_and_is_stored_hashed(anonymous, ada, session, mailbox):
    ask(anonymous, bearer(ada), "new@example.com")
    token = token_in(next(mail for mail in mailbox.messages if mail["To"] == "new@example.com"))
    [stored] = session.scalars(select(EmailChange)).all()
    assert token not in stored.token_hash
    assert anonymous.post(CONFIRM, json={"token": token}).status_code == 204
    again = anonymous.post(CONFIRM, json={"token": token})
    assert again.status_code == 422
    assert again.get_json()["error"]["field"] == "token"


def test_an_expired_confirmation_token_is_refused(app, anonymous, ada, session, mailbox):
    app.config["PASSWORD_RESET_MINUTES"] = 0
    ask(anonymous, bearer(ada), "new@example.com")
    token = token_in(next(mail for mail in mailbox.messages if mail["To"] == "new@example.com"))
    assert anonymous.post(CONFIRM, json={"token": token}).status_code == 422
    session.expire_all()
    assert session.get(User, ada.id).email == "ada@example.com"


def test_confirming_ends_every_session(anonymous, ada, mailbox):
    headers = bearer(ada)
    ask(anonymous, headers, "new@example.com")
    token = token_in(next(mail for mail in mailbox.messages if mail["To"] == "new@example.com"))
    anonymous.post(CONFIRM, json={"token": token})
    assert anonymous.get("/api/v1/users/me", headers=headers).status_code == 401


def test_a_taken_address_gets_no_token_and_the_same_answer(anonymous, ada, mailbox):
    UserFactory(email="taken@example.com")
    free, taken = ask(anonymous, bearer(ada), "free@example.com"), ask(
        anonymous, bearer(ada), "taken@example.com"
    )
    assert (free.status_code, free.get_json()) == (taken.status_code, taken.get_json())
    assert "taken@example.com" not in [mail["To"] for mail in mailbox.messages]


def test_a_password_change_voids_a_pending_email_change(anonymous, ada, session, mailbox):
    headers = bearer(ada)
    ask(anonymous, headers, "new@example.com")
    token = token_in(next(mail for mail in mailbox.messages if mail["To"] == "new@example.com"))
    anonymous.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a freshly chosen password"},
        headers=headers,
    )
    assert anonymous.post(CONFIRM, json={"token": token}).status_code == 422
    session.expire_all()
    assert session.get(User, ada.id).email == "ada@example.com"


def test_an_administrator_changing_someones_email_is_logged(client, admin, ada, log_output):
    response = client.patch(f"/api/v1/users/{ada.id}", json={"email": "ada2@example.com"})
    assert response.status_code == 200
    logged = log_output.getvalue()
    assert f"Email of user {ada.id} changed from ada@example.com to ada2@example.com" in logged
    assert f"by user {admin.id}" in logged
