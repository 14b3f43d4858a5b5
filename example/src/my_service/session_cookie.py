"""Flask's signed session cookie, read only from requests that send one.

The API's callers sign in with bearer tokens and send no session cookie. Flask's own
interface still builds a signer for every request before it looks for the cookie, about 1%
of a signed-in read's instructions; this one looks first. A request with the cookie gets
Flask's session exactly as before, and so does every write to `flask.session`.
"""

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SessionCookieWhenSent(SecureCookieSessionInterface):
    """Flask's signed cookie session, opened only when the request sends the cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session for a request without the cookie; Flask's otherwise (which,
        without a secret key, is the null session that says a key is missing)."""
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
