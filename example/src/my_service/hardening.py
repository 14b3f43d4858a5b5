"""HTTP hardening every deployment gets: response headers, CORS, the proxy in front, rate limits.

- Every response says not to sniff, frame or refer, with a Content-Security-Policy
  that allows nothing (JSON needs nothing) except on the docs page, which may load
  its own scripts and styles; HSTS once HSTS_SECONDS says the service is behind TLS.
- Responses to a request that carried credentials, and the auth endpoints' answers
  (which carry tokens), are never stored by a cache (`Cache-Control: no-store`).
- CORS is off unless CORS_ALLOWED_ORIGINS lists origins (flask-cors).
- Behind PROXY_FIX_HOPS proxies, the client's address and scheme come from their
  X-Forwarded-* headers (Werkzeug's ProxyFix), so rate limits and HSTS see the client.
- Rate limits (Flask-Limiter) answer 429 with Retry-After, in the error shape.
"""

import time

from flask import Flask, Response, current_app, request
from flask_cors import CORS
from flask_limiter import RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from . import health
from .errors import error_response
from .extensions import limiter

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's files are served by this app (api_docs.py): nothing inline, nothing remote.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_PAGE = "api-docs.openapi_swagger_ui"
CREDENTIAL_ENDPOINTS = "auth."  # sign-in and refresh answers carry tokens
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def secure_headers(response: Response) -> Response:
    """Add the security headers to a response (a view may set its own first)."""
    headers = response.headers
    policy = DOCS_POLICY if request.endpoint == DOCS_PAGE else API_POLICY
    wanted = {**SECURITY_HEADERS, "Content-Security-Policy": policy}
    # One pass over the response's headers, not one per header added (`setdefault`).
    present = {name.lower() for name in headers.keys()}
    headers.extend((name, value) for name, value in wanted.items() if name.lower() not in present)
    if "Authorization" in request.headers or (request.endpoint or "").startswith(
        CREDENTIAL_ENDPOINTS
    ):
        headers["Cache-Control"] = "no-store"
    if current_app.config["HSTS_SECONDS"]:
        headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    return response


def too_many_requests(error: RateLimitExceeded) -> Response:
    """429 in the error shape, saying when to try again."""
    window = limiter.current_limit
    retry_after = max(1, int(window.reset_at - time.time())) if window else 60
    return error_response(
        429,
        "too_many_requests",
        f"Too many requests ({error.description}): try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


def register_hardening(app: Flask) -> None:
    """Headers on every response, CORS if allowed, the proxy's headers, rate limits."""
    app.after_request(secure_headers)
    if app.config["CORS_ALLOWED_ORIGINS"]:
        CORS(
            app,
            resources={r"/api/*": {"origins": app.config["CORS_ALLOWED_ORIGINS"]}},
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "If-None-Match"],
            expose_headers=["X-Pagination", "X-Request-ID", "Retry-After", "ETag"],
            max_age=600,
        )
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    limiter.init_app(app)
    limiter.exempt(health.bp)  # probes must never be turned away
    app.register_error_handler(RateLimitExceeded, too_many_requests)
