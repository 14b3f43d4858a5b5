"""Liveness never touches the database; readiness answers only when it is reachable."""

from pathlib import Path

from flask import Flask
from prometheus_client import generate_latest
from sqlalchemy import text

from my_service import create_app
from my_service.config import TestingConfig
from my_service.extensions import db
from my_service.seeds.loading import read_sets


def test_liveness_answers_ok(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_answers_ok_when_the_database_answers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "ok"
    database = answer["checks"]["database"]
    assert database["status"] == "ok" and 0 < database["latency_ms"] < 5000
    # The test database is built by the migrations, and seeded by no one.
    assert answer["checks"]["migrations"] == {"status": "ok", "pending": 0}
    assert answer["checks"]["seed_sets"]["pending"] == pending_seed_sets_for("testing")


def pending_seed_sets_for(environment: str) -> int:
    """The seed sets listed for `environment`, none of which the tests apply."""
    return sum(1 for seed_set in read_sets() if environment in seed_set.environments)


def test_readiness_counts_the_migrations_a_database_lacks(app, client):
    # In this test's transaction, rolled back after it: the database "is at" 0002.
    db.session.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    answer = client.get("/health/ready").get_json()
    versions = Path(app.extensions["migrate"].directory) / "versions"
    later = sum(1 for path in versions.glob("*.py") if path.name.split("_")[1] > "0002")
    assert later >= 1
    assert answer["checks"]["migrations"] == {"status": "pending", "pending": later}
    assert f"db_migrations_pending {later:.1f}" in generate_latest().decode()


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


def test_an_in_process_cache_has_no_store_to_check(client):
    assert "cache" not in client.get("/health/ready").get_json()["checks"]
