"""Error tracking (error_tracking.py): off without SENTRY_DSN; with it, each unexpected error
reported once with its request id, and nothing personal in the event. The events are read
from a transport that keeps them: no Sentry server is involved."""

import json
from collections.abc import Iterator

import pytest
import sentry_sdk
from flask import Flask
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport
from sqlalchemy import select, text

from my_service import create_app, error_tracking
from my_service.config import TestingConfig
from my_service.extensions import db
from my_service.users.models import Role, User

from .callers import client_as
from .factories import UserFactory
from .support import rolled_back

DSN = "https://public-key@errors.example/42"
EMAIL = "private.person@example.com"


class KeptEvents(Transport):
    """A transport that keeps each event instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        """Keep the envelope's event, if it carries one."""
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    """The events the app would have sent to Sentry."""
    transport = KeptEvents()
    monkeypatch.setattr(error_tracking, "TRANSPORT", transport)
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def reporting(events: list[dict], config: TestingConfig) -> Iterator[Flask]:
    """An app with a DSN, and routes that fail in the ways a service does."""
    config.SENTRY_DSN = DSN
    app = create_app(config)

    @app.get("/crash")
    def crash():
        db.session.scalars(select(User).where(User.email == EMAIL)).all()
        raise RuntimeError("the unexpected happened")

    @app.get("/database-crash")
    def database_crash():
        db.session.execute(text("SELECT CAST(:value AS integer)"), {"value": EMAIL})

    with rolled_back(app):
        yield app
    with app.app_context():
        db.engine.dispose()


def test_error_tracking_is_off_without_a_dsn(config):
    assert TestingConfig({}).SENTRY_DSN is None
    create_app(config)
    assert not sentry_sdk.get_client().is_active()


def test_an_unexpected_error_is_reported_once_with_its_request_id(reporting, events):
    user = UserFactory(role=Role.ADMIN)
    response = client_as(reporting, user).get("/crash?email=x", headers={"X-Request-ID": "req-5"})
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the unexpected happened"
    assert event["tags"]["request_id"] == "req-5"
    assert event["environment"] == "testing"


def test_the_event_holds_no_personal_data_and_no_sql_parameters(reporting, events):
    user = UserFactory(role=Role.ADMIN, email="caller@example.com")
    client = client_as(reporting, user)
    client.set_cookie("session", "cookie-value")
    client.get(f"/crash?email={EMAIL}")
    sentry_sdk.flush()
    [event] = events
    sent = json.dumps(event)
    for personal in (EMAIL, "caller@example.com", "cookie-value", "Bearer", "127.0.0.1"):
        assert personal not in sent
    assert "user" not in event
    assert set(event["request"]) <= {"url", "method", "headers", "env"}
    queries = [crumb for crumb in event["breadcrumbs"]["values"] if crumb["category"] == "query"]
    assert any("FROM users" in crumb["message"] for crumb in queries)
    assert not any("db.params" in crumb.get("data", {}) for crumb in queries)


def test_a_database_error_is_described_by_class_and_sqlstate_never_by_its_values(reporting, events):
    response = client_as(reporting, UserFactory(role=Role.ADMIN)).get("/database-crash")
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = events
    # The driver's exception and SQLAlchemy's, which wraps it.
    described = {exception["value"] for exception in event["exception"]["values"]}
    assert described == {"InvalidTextRepresentation (SQLSTATE 22P02)"}
    assert EMAIL not in json.dumps(event)


def test_errors_the_service_answers_itself_are_not_reported(reporting, events):
    client = client_as(reporting, UserFactory(role=Role.ADMIN))
    assert client.get("/no/such/page").status_code == 404
    assert client.post("/api/v1/users/", json={"email": "not an email"}).status_code == 422
    sentry_sdk.flush()
    assert events == []
