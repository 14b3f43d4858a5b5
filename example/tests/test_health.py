"""Liveness never touches the database; readiness answers only when it is reachable and
has the schema."""

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from prometheus_client import generate_latest
from sqlalchemy import text
from sqlalchemy.engine import URL

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database import admin as database_admin
from my_service.extensions import db
from my_service.seeds.loading import read_sets

from .support import capture_console, config_for


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
    # Every revision but 0002 and those before it, whatever the ids and branches a team added.
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    everything = list(scripts.walk_revisions())
    later = len(everything) - len(list(scripts.iterate_revisions("0002", "base")))
    assert later >= 1
    assert answer["checks"]["migrations"] == {"status": "pending", "pending": later}
    assert f"db_migrations_pending {later:.1f}" in generate_latest().decode()


def unreachable_database_app() -> Flask:
    """An app whose database is on a port where nothing listens."""
    config = TestingConfig({"TEST_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    return create_app(config)


def test_readiness_answers_503_json_when_the_database_is_down():
    app = unreachable_database_app()
    log = capture_console(app)
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "database is unreachable" in error["message"]
    # The line that says what failed, not the hint PostgreSQL's client adds below it.
    [logged] = [line for line in log.getvalue().splitlines() if "Readiness" in line]
    assert "127.0.0.1" in logged and "port 1 failed" in logged


@pytest.fixture
def unmigrated_url(database_url: URL) -> Iterator[URL]:
    """A reachable database on the test server that no migration has run on."""
    url = database_url.set(database=f"{database_url.database}_unmigrated")
    database_admin.drop_database(url)
    database_admin.create_database(url)
    yield url
    database_admin.drop_database(url)


def test_readiness_on_a_database_without_the_schema_names_the_upgrade(
    unmigrated_url, log_output_for
):
    app, log = log_output_for(config_for(unmigrated_url))
    response = app.test_client().get("/health/ready")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    message = response.get_json()["error"]["message"]
    assert "no schema" in message and "flask db upgrade" in message
    assert "unreachable" not in message
    assert "Readiness check failed: The database has no schema yet" in log.getvalue()


def test_readiness_with_migrations_pending_before_the_seed_table_exists(app, client):
    # An older database: the table the seed runner records in comes with a later migration.
    db.session.execute(text("DROP TABLE seed_history"))
    answer = client.get("/health/ready")
    assert answer.status_code == 200
    assert answer.get_json()["checks"]["seed_sets"]["pending"] == pending_seed_sets_for("testing")


def test_liveness_stays_ok_when_the_database_is_down():
    response = unreachable_database_app().test_client().get("/health/live")
    assert response.status_code == 200


def test_an_in_process_cache_has_no_store_to_check(client):
    assert "cache" not in client.get("/health/ready").get_json()["checks"]
