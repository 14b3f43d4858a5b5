"""Fixtures: the app on its own PostgreSQL test database, a test client and a CLI runner.

TEST_DATABASE_URL names the test database (unset: the embedded server).
It is created afresh for the run, one copy per pytest-xdist worker, and dropped at the end.
"""

import io
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.engine import make_url

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database import admin
from my_service.extensions import db


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> Iterator[str]:
    """A fresh, empty test database for this run (and this xdist worker)."""
    url = make_url(create_app(TestingConfig()).config["SQLALCHEMY_DATABASE_URI"])
    if worker_id != "master":
        url = url.set(database=f"{url.database}_{worker_id}")
    admin.drop_database(url)
    admin.create_database(url)
    yield url.render_as_string(hide_password=False)
    admin.drop_database(url)


@pytest.fixture
def config(database_url: str) -> TestingConfig:
    """The testing configuration, pointed at this run's test database."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    return config


@pytest.fixture
def app(config: TestingConfig) -> Iterator[Flask]:
    """The application under test; its connections are closed afterwards."""
    app = create_app(config)
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


def capture_console(app: Flask) -> io.StringIO:
    """Point the app's console log handler at a buffer and return the buffer."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    output = io.StringIO()
    handler.setStream(output)
    return output


@pytest.fixture
def log_output(app: Flask) -> io.StringIO:
    """What the app's log handler writes, as text."""
    return capture_console(app)


@pytest.fixture
def log_output_for() -> Callable[[TestingConfig], tuple[Flask, io.StringIO]]:
    """Build an app from a given configuration and capture what it logs."""

    def build(config: TestingConfig) -> tuple[Flask, io.StringIO]:
        app = create_app(config)
        return app, capture_console(app)

    return build
