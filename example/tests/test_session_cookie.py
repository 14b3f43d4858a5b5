"""Flask's session cookie is read only from requests that send one, and works as Flask's."""

import pytest
from flask import session
from flask.sessions import SecureCookieSessionInterface

from my_service.session_cookie import SessionCookieWhenSent

pytestmark = pytest.mark.own_app  # the tests add routes


@pytest.fixture
def remembering(app):
    """The app with a route that counts visits in the session, and one that reads it."""

    @app.post("/visit")
    def visit():
        session["visits"] = session.get("visits", 0) + 1
        return {}

    @app.get("/visits")
    def visits():
        return {"session": dict(session)}

    return app


def test_a_request_without_the_cookie_builds_no_signer(remembering, client, monkeypatch):
    assert isinstance(remembering.session_interface, SessionCookieWhenSent)

    def no_signer(*_args):
        raise AssertionError("a signer was built for a request without a session cookie")

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", no_signer)
    response = client.get("/visits")
    assert response.json == {"session": {}}
    assert "Set-Cookie" not in response.headers


def test_a_session_written_in_one_request_is_read_in_the_next(remembering, client):
    client.post("/visit")
    client.post("/visit")
    assert client.get("/visits").json == {"session": {"visits": 2}}


def test_a_forged_cookie_opens_an_empty_session(remembering, client):
    cookie = remembering.config["SESSION_COOKIE_NAME"]
    client.set_cookie(cookie, "eyJ2aXNpdHMiOjk5fQ.forged.signature")
    assert client.get("/visits").json == {"session": {}}


def test_without_a_secret_key_the_session_says_so(app):
    app.secret_key = None
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="no secret key"):
        session["visits"] = 1
