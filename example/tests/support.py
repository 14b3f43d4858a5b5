"""Helpers the fixtures share: test configurations, the template database, log capture."""

import io
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database import admin
from my_service.database.errors import connection_problem
from my_service.extensions import cache, db
from my_service.logging import configure_logging

ROOT = Path(__file__).resolve().parent.parent

# Any fixed number: it names the lock that serialises building the template.
TEMPLATE_LOCK = 7_314_159

EXPIRES_AFTER_REQUESTS = "tests.expire_after_requests"  # marks an app that has the hook


def check_test_server() -> None:
    """Connect to the test server once; a UsageError (one line, no traceback) if it fails."""
    url = create_app(TestingConfig()).config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(admin.maintenance_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        raise pytest.UsageError(connection_problem(url, error, "TEST_DATABASE_URL")) from None
    finally:
        engine.dispose()


def config_for(url: URL | str) -> TestingConfig:
    """The testing configuration, pointed at one database."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = make_url(url).render_as_string(hide_password=False)
    # Each app gets its own cache namespace, so no test reads another's entries.
    config.CACHE_KEY_PREFIX = f"my_service-test-{uuid.uuid4().hex}:"
    config.RATE_LIMIT_KEY_PREFIX = config.CACHE_KEY_PREFIX  # and its own rate-limit counts
    return config


def build_template(url: URL, run_id: str) -> None:
    """Create the template database with the real migrations, once per test run."""
    with admin.advisory_lock(url, TEMPLATE_LOCK):
        if admin.database_comment(url) == run_id:
            return
        admin.drop_database(url)
        admin.create_database(url)
        app = create_app(config_for(url))
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        admin.set_database_comment(url, run_id)


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Inside an app context, join every session of `app` to one transaction, rolled back on exit.

    Sessions bound to the connection turn their commits into savepoints, so code
    under test may commit and still leave nothing behind. Requests share the test's app
    context, so its session too: each request's end expires what it loaded, as a fresh
    session per request would in production.
    """
    if not app.extensions.get(EXPIRES_AFTER_REQUESTS):  # once per app: it may serve many tests
        app.teardown_request(lambda _error: db.session.expire_all())
        app.extensions[EXPIRES_AFTER_REQUESTS] = True
    with app.app_context():
        engines = db.engines
        originals = dict(engines)
        connection = db.engine.connect()
        transaction = connection.begin()
        for key in engines:
            engines[key] = connection
        db.session.remove()
        db.session.session_factory.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            engines.update(originals)


@contextmanager
def shared_between_tests(app: Flask) -> Iterator[None]:
    """Lend the worker's app to one test: its settings restored and its cache emptied after.

    A test that changes the app itself fails here, naming what changed, since the tests
    after it would otherwise see the change, or not, depending on which ran first.
    """
    settings = dict(app.config)
    shape = app_shape(app)
    configure_logging(app)  # logging is the process's: an app built since may have changed it
    # Its own rate-limit counts, as each app had its own key prefix.
    app.config["RATE_LIMIT_KEY_PREFIX"] = f"{settings['RATE_LIMIT_KEY_PREFIX']}{uuid.uuid4().hex}:"
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(settings)
        with app.app_context():
            cache.clear()
    after = app_shape(app)
    changed = [part for part, before in shape.items() if after[part] != before]
    assert not changed, (
        f"the test changed the app the worker's tests share ({', '.join(changed)}): "
        "mark it `@pytest.mark.own_app` to give it an app of its own"
    )


def app_shape(app: Flask) -> dict[str, object]:
    """What a test may not change on a shared app: its routes, request hooks, error handlers
    and WSGI callable."""
    return {
        "routes": sorted(str(rule) for rule in app.url_map.iter_rules()),
        "hooks": [
            len(functions)
            for hooks in (app.before_request_funcs, app.after_request_funcs)
            for functions in hooks.values()
        ],
        "error handlers": {  # lookups leave empty entries behind: those are no change
            code: dict(found) for code, found in app.error_handler_spec[None].items() if found
        },
        "WSGI callable": app.wsgi_app,
    }


def capture_console(app: Flask) -> io.StringIO:
    """Point the app's console log handler at a buffer and return the buffer."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    output = io.StringIO()
    handler.setStream(output)
    return output
