"""Behind PgBouncer (transaction pooling) the timeouts move from the connection to each
transaction. tests/topology runs the API through a real one."""

from sqlalchemy import text
from sqlalchemy.engine import URL

from my_service import create_app
from my_service.config import TestingConfig
from my_service.extensions import db


def config_behind_pgbouncer(database_url: URL) -> TestingConfig:
    return TestingConfig(
        {
            "TEST_DATABASE_URL": database_url.render_as_string(hide_password=False),
            "DB_BEHIND_PGBOUNCER": "true",
            "DB_STATEMENT_TIMEOUT_MS": "1234",
            "DB_LOCK_TIMEOUT_MS": "567",
        }
    )


def test_behind_pgbouncer_no_start_up_options_are_sent(database_url):
    connect_args = config_behind_pgbouncer(database_url).SQLALCHEMY_ENGINE_OPTIONS["connect_args"]
    assert "options" not in connect_args


def test_behind_pgbouncer_every_transaction_sets_its_timeouts(database_url):
    app = create_app(config_behind_pgbouncer(database_url))
    with app.app_context():
        for _ in range(2):  # each transaction, not just the first on a connection
            assert db.session.scalar(text("SHOW statement_timeout")) == "1234ms"
            assert db.session.scalar(text("SHOW lock_timeout")) == "567ms"
            db.session.commit()
        db.engine.dispose()
