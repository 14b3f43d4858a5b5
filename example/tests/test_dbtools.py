"""`flask dbtools ...` and `flask db ...` against the real server."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import URL

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database import admin, erd
from my_service.extensions import db
from my_service.models import User

from .support import ROOT, config_for

DOCS = ROOT / "docs"


@contextmanager
def app_on_own_database(database_url: URL, suffix: str) -> Iterator[Flask]:
    """An app on a database of its own (not yet created), dropped afterwards."""
    url = database_url.set(database=f"{database_url.database}_{suffix}")
    admin.drop_database(url)
    app = create_app(config_for(url))
    yield app
    with app.app_context():
        db.engine.dispose()
    admin.drop_database(url)


@pytest.fixture
def scratch(database_url: URL) -> Iterator[Flask]:
    """An app on an empty database of its own, for commands that really commit."""
    with app_on_own_database(database_url, "scratch") as app:
        yield app


@pytest.fixture(scope="module")
def migrated(database_url: URL) -> Iterator[Flask]:
    """An app on a migrated database of its own, built once for the commands that only read."""
    with app_on_own_database(database_url, "migrated") as app:
        invoke(app, "dbtools", "create")
        invoke(app, "db", "upgrade")
        yield app


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_wait_returns_once_the_database_answers(migrated):
    result = invoke(migrated, "dbtools", "wait", "--timeout", "5")
    assert result.exit_code == 0, result.output
    assert "answered after 1 attempt" in result.output


def test_wait_gives_up_with_a_clear_message_when_the_database_never_answers():
    app = create_app(TestingConfig({"TEST_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}))
    result = invoke(app, "dbtools", "wait", "--timeout", "0.5")
    assert result.exit_code == 1
    assert "did not answer within 0.5s" in result.output
    assert "check that it is running" in result.output


def test_create_then_drop_a_database(scratch, database_url):
    url = database_url.set(database=f"{database_url.database}_scratch")
    assert invoke(scratch, "dbtools", "create").exit_code == 0
    assert admin.database_exists(url)
    result = invoke(scratch, "dbtools", "drop", "--yes")
    assert result.exit_code == 0, result.output
    assert not admin.database_exists(url)


def test_upgrade_downgrade_to_base_and_upgrade_again(scratch):
    invoke(scratch, "dbtools", "create")
    assert invoke(scratch, "db", "upgrade").exit_code == 0
    assert invoke(scratch, "db", "check").exit_code == 0
    assert invoke(scratch, "db", "downgrade", "base").exit_code == 0
    with scratch.app_context():
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
    assert invoke(scratch, "db", "upgrade").exit_code == 0
    assert invoke(scratch, "db", "check").exit_code == 0


def test_db_check_finds_no_drift_on_the_migrated_test_database(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_backup_then_restore_brings_back_deleted_rows(scratch, tmp_path):
    invoke(scratch, "dbtools", "create")
    invoke(scratch, "db", "upgrade")
    with scratch.app_context():
        db.session.add(User(email="saved@example.com", name="Saved"))
        db.session.commit()
    dump = tmp_path / "backup.dump"
    result = invoke(scratch, "dbtools", "backup", str(dump))
    assert result.exit_code == 0, result.output
    assert dump.stat().st_size > 0
    with scratch.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
    result = invoke(scratch, "dbtools", "restore", str(dump), "--yes")
    assert result.exit_code == 0, result.output
    with scratch.app_context():
        assert db.session.scalars(select(User.email)).all() == ["saved@example.com"]


def test_restore_names_a_missing_backup_file(scratch, tmp_path):
    result = invoke(scratch, "dbtools", "restore", str(tmp_path / "nope.dump"), "--yes")
    assert result.exit_code == 1
    assert "no backup file at" in result.output


def test_vacuum_runs_on_every_table_or_one(migrated):
    assert invoke(migrated, "dbtools", "vacuum").exit_code == 0
    result = invoke(migrated, "dbtools", "vacuum", "--table", "users")
    assert result.exit_code == 0
    assert "Vacuumed and analyzed users" in result.output


def test_vacuum_refuses_an_unknown_table(migrated):
    result = invoke(migrated, "dbtools", "vacuum", "--table", "nope")
    assert result.exit_code == 1
    assert "no table named 'nope'" in result.output


def test_sizes_lists_every_table(migrated):
    result = invoke(migrated, "dbtools", "sizes")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.splitlines()[1:]}
    assert set(db.metadata.tables) <= listed


def test_unused_indexes_lists_the_indexes_no_query_has_used(migrated):
    result = invoke(migrated, "dbtools", "unused-indexes")
    assert result.exit_code == 0
    assert "uq_users_email_lower" not in result.output  # unique: never a drop candidate
    # Only reads have run on this database, so no lookup index has been scanned yet.
    assert "idempotency_keys.ix_idempotency_keys_expires_at:" in result.output
    assert "tasks.ix_tasks_due_date:" in result.output
    assert "never scanned" in result.output


def test_the_committed_diagram_matches_the_models():
    document = (DOCS / "erd.md").read_text()
    expected = erd.replace_diagram(document, erd.mermaid_erd(db.metadata))
    assert document == expected, "docs/erd.md is stale: run `make erd`"


def test_erd_write_replaces_the_diagram_between_the_markers(runner, tmp_path):
    document = tmp_path / "doc.md"
    document.write_text(f"# Schema\n\n{erd.START}\nold\n{erd.END}\n\nMore text.\n")
    result = runner.invoke(args=["dbtools", "erd", "--write", str(document)])
    assert result.exit_code == 0, result.output
    text = document.read_text()
    assert "old" not in text
    assert "erDiagram" in text and "    users {" in text
    assert text.endswith(f"{erd.END}\n\nMore text.\n")


@pytest.mark.parametrize("command", [["drop"], ["restore", "backup.dump"]])
def test_production_refuses_to_destroy_a_database_unless_it_is_named(
    scratch, database_url, command
):
    scratch.config["NAME"] = "production"
    url = database_url.set(database=f"{database_url.database}_scratch")
    invoke(scratch, "dbtools", "create")
    refused = invoke(scratch, "dbtools", *command, "--yes")
    assert refused.exit_code == 1
    assert f"pass --production-database {url.database}" in refused.output
    wrong = invoke(scratch, "dbtools", *command, "--yes", "--production-database", "other")
    assert wrong.exit_code == 1
    assert admin.database_exists(url)


def test_stats_says_how_to_turn_on_statement_statistics_where_they_are_off(migrated):
    # The test database has no pg_stat_statements; tests/topology/test_statement_stats.py
    # runs the command on a server that loads it.
    with migrated.app_context():
        installed = db.session.scalar(
            text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
        )
    assert installed == 0
    result = invoke(migrated, "dbtools", "stats")
    assert result.exit_code == 1
    assert "pg_stat_statements is not installed in this database" in result.output
    assert "shared_preload_libraries" in result.output
    assert "CREATE EXTENSION pg_stat_statements" in result.output
