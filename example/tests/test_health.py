"""Liveness never touches the database; readiness answers only when it is reachable."""

from flask import Flask

from my_service import create_app
from my_service.config import TestingConfig


def test_liveness_answers_ok(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_answers_ok_when_the_database_answers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def unreachable_database_app() -> Flask:
    """An app whose database is on a port where nothing listens."""
    config = TestingConfig({"TEST_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    return create_app(config)


def test_readiness_answers_503_json_when_the_database_is_down():
    response = unreachable_database_app().test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "database is unreachable" in error["message"]


def test_liveness_stays_ok_when_the_database_is_down():
    response = unreachable_database_app().test_client().get("/health/live")
    assert response.status_code == 200
