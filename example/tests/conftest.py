"""Fixtures: a migrated PostgreSQL test database and a rolled-back transaction per test.

TEST_DATABASE_URL names the test database (unset: the embedded server).
Once per run, the real migrations build `<name>_<run>_template`; each pytest-xdist
worker then gets its own copy (CREATE DATABASE ... TEMPLATE), and every test runs inside a
transaction on that copy which is rolled back at its end. Code under test may commit:
its commits become savepoints of the test's transaction.
"""

import copy
import io
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import scoped_session

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database import admin as database_admin
from my_service.extensions import db
from my_service.users.models import Role, User

from .callers import client_as
from .factories import UserFactory
from .support import (
    build_template,
    capture_console,
    check_test_server,
    config_for,
    rolled_back,
    shared_between_tests,
)

RUN = pytest.StashKey[str]()  # the name of this run, chosen where it starts


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, with one line, when the test database server cannot be reached."""
    if not hasattr(config, "workerinput"):  # checked once, by the process that starts the run
        check_test_server()
        # Names of this run's databases: another run on the same server (a second checkout,
        # an editor's test runner) has its own, so neither drops the other's.
        config.stash[RUN] = uuid.uuid4().hex[:8]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Give each pytest-xdist worker the run's name."""
    node.workerinput["run_name"] = node.config.stash[RUN]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the run's template once every worker is done with it."""
    if not hasattr(session.config, "workerinput"):
        database_admin.drop_database(run_template(session.config))


def run_template(config: pytest.Config) -> URL:
    """The address of this run's template database."""
    name = getattr(config, "workerinput", {}).get("run_name") or config.stash[RUN]
    base = make_url(create_app(TestingConfig()).config["SQLALCHEMY_DATABASE_URI"])
    return base.set(database=f"{base.database}_{name}_template")


@pytest.fixture(scope="session")
def template_url(request: pytest.FixtureRequest) -> URL:
    """The migrated database every test database is copied from, built once per run."""
    template = run_template(request.config)
    worker_input = getattr(request.config, "workerinput", {})
    build_template(template, worker_input.get("testrunuid") or uuid.uuid4().hex)
    return template


@pytest.fixture(scope="session")
def database_url(template_url: URL, worker_id: str) -> Iterator[URL]:
    """This worker's copy of the migrated test database."""
    base = template_url.database.removesuffix("_template")
    url = template_url.set(database=f"{base}_{worker_id}")
    database_admin.drop_database(url)
    database_admin.create_database(url, template=template_url.database)
    yield url
    database_admin.drop_database(url)


@pytest.fixture(scope="session")
def worker_config(database_url: URL) -> TestingConfig:
    """The testing configuration, pointed at this worker's database."""
    return config_for(database_url)


@pytest.fixture
def config(worker_config: TestingConfig) -> TestingConfig:
    """This test's copy of the testing configuration, to change as it needs."""
    return copy.deepcopy(worker_config)


@pytest.fixture(scope="session")
def worker_app(worker_config: TestingConfig) -> Iterator[Flask]:
    """The app this worker's tests share: building one costs more than most tests take."""
    app = create_app(copy.deepcopy(worker_config))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, config: TestingConfig, worker_config: TestingConfig) -> Iterator[Flask]:
    """The app, inside an app context, with every session joined to one rolled-back transaction.

    Tests share their worker's app, its settings restored and its cache emptied after each.
    A test whose `config` differs (a module may override that fixture) gets one of its own,
    and so does a test marked `own_app`, which changes the app itself (adds a route, wraps it).
    """
    if request.node.get_closest_marker("own_app") or vars(config) != vars(worker_config):
        app = create_app(config)
        with rolled_back(app):
            yield app
        with app.app_context():
            db.engine.dispose()
    else:
        app = request.getfixturevalue("worker_app")
        with shared_between_tests(app), rolled_back(app):
            yield app


@pytest.fixture
def session(app: Flask) -> scoped_session:
    """The database session the app uses, inside the test's transaction."""
    return db.session


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent to the server while the test runs (savepoints left out)."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            sent.append(statement)

    connection = db.engines[None]  # the test's connection, standing in for the engine
    event.listen(connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection, "before_cursor_execute", record)


@pytest.fixture
def admin(app: Flask) -> User:
    """An administrator: the caller `client` speaks for."""
    return UserFactory(email="admin@example.com", name="Admin", role=Role.ADMIN)


@pytest.fixture
def client(app: Flask, admin: User) -> FlaskClient:
    """A test client signed in as `admin`."""
    return client_as(app, admin)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A test client that sends no credentials."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def log_output(app: Flask) -> io.StringIO:
    """What the app's log handler writes, as text."""
    return capture_console(app)


@pytest.fixture
def log_output_for() -> Iterator[Callable[[TestingConfig], tuple[Flask, io.StringIO]]]:
    """Build an app from a given configuration and capture what it logs.

    The apps' pooled connections are closed after the test, not left to the garbage
    collector (psycopg warns of a connection deleted while open, and warnings fail tests)."""
    built: list[Flask] = []

    def build(config: TestingConfig) -> tuple[Flask, io.StringIO]:
        app = create_app(config)
        built.append(app)
        return app, capture_console(app)

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()
