"""HTTP hardening: headers on every response, the docs page under its policy, body limits,
CORS, the proxy in front, statement timeouts, and logs that hold no user data."""

import re

import pytest
from flask import Flask, request
from sqlalchemy import text

from my_service import create_app
from my_service.extensions import db

from .factories import ProjectFactory


@pytest.mark.parametrize("path", ["/health/live", "/api/v1/users/", "/api/v1/nowhere"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers


def test_a_response_to_a_request_with_credentials_is_never_stored(client):
    response = client.get("/health/live", headers={"Authorization": "Bearer anything"})
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_once_configured(app, client):
    app.config["HSTS_SECONDS"] = 31_536_000
    hsts = client.get("/health/live").headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def test_the_docs_page_loads_swagger_ui_from_this_server_under_a_strict_policy(anonymous):
    page = anonymous.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/api/docs/assets/") for src in scripts)
    assert "<script>" not in html  # nothing inline
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    for src in [*scripts, "/api/docs/assets/swagger-ui.css"]:
        asset = anonymous.get(src)
        assert asset.status_code == 200, src
        assert len(asset.get_data()) > 100
        asset.close()


def test_a_body_over_the_limit_answers_413_in_the_error_shape(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/users/", json={"email": "a@example.com", "name": "x" * 2000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_a_task_takes_at_most_twenty_tags(client):
    tags = [f"tag-{n}" for n in range(21)]
    body = {"project_id": ProjectFactory().id, "title": "Too many labels", "tags": tags}
    response = client.post("/api/v1/tasks/", json=body)
    assert response.status_code == 422
    assert "tags" in response.get_json()["error"]["details"]["json"]


def test_cors_is_off_unless_origins_are_listed(client):
    response = client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_listed_origins_and_only_they_may_call_the_api_from_a_browser(config, admin):
    config.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    app = create_app(config)
    browser = app.test_client()
    preflight = browser.options(
        "/api/v1/users/",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, If-None-Match",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "if-none-match" in allowed  # conditional reads (docs/api.md)
    listed = browser.get("/api/v1/users/", headers={"Origin": "https://app.example.com"})
    assert "ETag" in listed.headers["Access-Control-Expose-Headers"]
    other = browser.get("/api/v1/users/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_behind_a_configured_proxy_the_client_address_and_scheme_come_from_it(config):
    config.PROXY_FIX_HOPS = 1
    app = create_app(config)

    @app.get("/test-client")
    def seen():
        return {"address": request.remote_addr, "secure": request.is_secure}

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/test-client", headers=headers).get_json() == {
        "address": "203.0.113.7",
        "secure": True,
    }


@pytest.mark.own_app
def test_without_a_configured_proxy_forwarded_headers_are_ignored(app):
    @app.get("/test-client")
    def seen():
        return {"address": request.remote_addr}

    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert app.test_client().get("/test-client", headers=headers).get_json() == {
        "address": "127.0.0.1"
    }


@pytest.fixture
def slow_app(config) -> Flask:
    """An app whose statements may take 50 ms at most, with a route that takes longer."""
    options = config.SQLALCHEMY_ENGINE_OPTIONS
    connect_args = {**options["connect_args"], "options": "-c statement_timeout=50"}
    config.SQLALCHEMY_ENGINE_OPTIONS = {**options, "connect_args": connect_args}
    app = create_app(config)

    @app.get("/test-slow")
    def slow():
        db.session.execute(text("SELECT pg_sleep(1)"))
        return {"done": True}

    return app


def test_a_statement_past_its_timeout_answers_503_not_500(slow_app):
    with slow_app.app_context():
        response = slow_app.test_client().get("/test-slow")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["message"] == (
        "The request took too long and was stopped; please retry."
    )


@pytest.mark.own_app
def test_an_unexpected_database_error_is_logged_without_the_values_it_quotes(app, log_output):
    personal = "@".join(["ada", "example.com"])  # not spelled out, as the traceback shows code

    @app.get("/test-broken")
    def broken():
        db.session.execute(text("SELECT CAST(:value AS integer)"), {"value": personal})

    response = app.test_client().get("/test-broken")
    assert response.status_code == 500
    logged = log_output.getvalue()
    assert "Unhandled InvalidTextRepresentation (SQLSTATE 22P02)" in logged
    assert personal not in logged
