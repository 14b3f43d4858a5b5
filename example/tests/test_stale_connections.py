"""A pooled connection is checked before use only when it sat unused long enough to have
gone stale (database/staleness.py); one handed back a moment ago costs no extra round trip."""

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database.staleness import IDLE_SINCE
from my_service.extensions import db

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
def pooled_app(database_url: URL) -> Iterator[Flask]:
    """An app on a real pool (not the tests' shared transaction), checking after 10 s idle."""
    url = database_url.render_as_string(hide_password=False)
    app = create_app(TestingConfig({"TEST_DATABASE_URL": url, "DB_PING_AFTER_IDLE": "10"}))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def terminate(database_url: URL, pid: int) -> None:
    """End a server process, and wait (5 s at most) until it has exited."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        ended = connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    engine.dispose()
    assert ended, f"server process {pid} did not exit within 5 s"


def used_and_returned() -> int:
    """The server process of the connection a request would get, handed back to the pool."""
    pid = db.session.scalar(BACKEND)
    db.session.remove()
    return pid


def test_a_connection_killed_while_idle_is_replaced_before_use(pooled_app, database_url):
    def idle_for_a_minute(_dbapi_connection, record) -> None:
        record.info[IDLE_SINCE] -= 60

    event.listen(db.engine, "checkin", idle_for_a_minute)
    killed = used_and_returned()
    terminate(database_url, killed)

    assert db.session.scalar(BACKEND) != killed


def test_a_connection_used_a_moment_ago_is_handed_out_unchecked(pooled_app, database_url):
    killed = used_and_returned()
    terminate(database_url, killed)

    with pytest.raises(OperationalError):
        db.session.scalar(BACKEND)
    db.session.remove()
    # The disconnect retired the pool's connections: the next request gets a live one.
    assert db.session.scalar(BACKEND) != killed


def test_pinging_on_every_checkout_is_one_setting_away(database_url):
    url = database_url.render_as_string(hide_password=False)
    config = TestingConfig({"TEST_DATABASE_URL": url, "DB_PING_AFTER_IDLE": "0"})
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True
