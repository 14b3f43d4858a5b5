"""Database and model errors answer in the JSON error shape: 422, 409 and 503."""

import pytest
from flask import Flask, request
from sqlalchemy import create_engine, text

from my_service import create_app
from my_service.config import TestingConfig
from my_service.extensions import db
from my_service.models import User
from my_service.validation import DomainRuleError

from .factories import UserFactory

pytestmark = pytest.mark.own_app  # each test's app gets the routes below


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app with a route that writes a user from JSON, as an API would."""

    @app.post("/test-users")
    def create_user():
        user = User(**request.get_json())
        db.session.add(user)
        db.session.commit()
        return {"id": user.id}, 201

    @app.post("/test-rule")
    def break_rule():
        raise DomainRuleError("the project is archived")

    return app


def test_a_duplicate_answers_409_naming_the_field(client, session):
    UserFactory(email="ada@example.com")
    response = client.post("/test-users", json={"email": "ADA@example.com", "name": "Ada"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["field"] == "email"
    assert error["message"] == "email is already taken"


def test_the_session_is_usable_after_a_conflict(client, session):
    UserFactory(email="ada@example.com")
    conflict = client.post("/test-users", json={"email": "ada@example.com", "name": "Ada"})
    assert conflict.status_code == 409
    response = client.post("/test-users", json={"email": "grace@example.com", "name": "Grace"})
    assert response.status_code == 201


def test_a_value_the_model_refuses_answers_422_with_field_details(client):
    response = client.post("/test-users", json={"email": "ada@example.com", "name": "  "})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "name"
    assert error["details"] == {"name": ["must not be blank"]}


def test_a_broken_domain_rule_answers_409(client):
    response = client.post("/test-rule")
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "the project is archived"


def test_an_unreachable_database_answers_503_with_retry_after():
    app = create_app(TestingConfig({"TEST_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}))

    @app.get("/test-count")
    def count():
        return {"users": db.session.query(User).count()}

    response = app.test_client().get("/test-count")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "database is unavailable" in error["message"]


def test_an_exhausted_connection_pool_answers_503_instead_of_waiting_forever(config):
    config.SQLALCHEMY_ENGINE_OPTIONS = {
        **config.SQLALCHEMY_ENGINE_OPTIONS,
        "pool_size": 1,
        "max_overflow": 0,
        "pool_timeout": 0.1,
    }
    app = create_app(config)

    @app.get("/test-query")
    def query():
        return {"one": db.session.scalar(text("SELECT 1"))}

    with app.app_context():
        held = db.engine.connect()
        try:
            response = app.test_client().get("/test-query")
        finally:
            held.close()
            db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["message"] == "The service is busy; please retry shortly."


def test_a_write_whose_connection_dies_after_the_commit_is_still_answered(config):
    app = create_app(config)
    killer = create_engine(config.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")

    @app.post("/test-write")
    def write():
        user = User(email="survivor@committed.test", name="Survivor")
        db.session.add(user)
        db.session.commit()
        # Then the server drops the connection the request still holds, as in an outage.
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return {"id": user.id, "email": user.email}, 201

    try:
        response = app.test_client().post("/test-write")
        assert response.status_code == 201
        assert response.get_json()["email"] == "survivor@committed.test"
    finally:
        with killer.connect() as connection:
            connection.execute(text("DELETE FROM users WHERE email LIKE '%@committed.test'"))
        killer.dispose()
        with app.app_context():
            db.engine.dispose()
