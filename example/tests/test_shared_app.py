"""The app a worker's tests share: what one test does to it never reaches the next."""

from collections.abc import Callable

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from my_service import create_app
from my_service.extensions import cache, db

from .support import shared_between_tests


def test_tests_share_the_workers_app(app, worker_app):
    assert app is worker_app


@pytest.mark.own_app
def test_a_test_marked_own_app_gets_an_app_of_its_own(app, worker_app):
    assert app is not worker_app


def test_a_test_with_a_changed_config_gets_an_app_of_its_own(config, request, worker_app):
    config.HSTS_SECONDS = 60
    assert request.getfixturevalue("app") is not worker_app


def test_settings_a_test_sets_are_put_back(worker_app):
    before = dict(worker_app.config)
    with shared_between_tests(worker_app):
        worker_app.config["HSTS_SECONDS"] = 1
        del worker_app.config["MAX_CONTENT_LENGTH"]
    assert dict(worker_app.config) == before


def test_what_a_test_caches_is_gone_after_it(worker_app):
    with shared_between_tests(worker_app), worker_app.app_context():
        cache.set("left-behind", "by a test")
        assert cache.get("left-behind") == "by a test"
    with worker_app.app_context():
        assert cache.get("left-behind") is None


def add_route(app: Flask) -> None:
    app.add_url_rule("/forgotten", "forgotten", lambda: {})


def wrap(app: Flask) -> None:
    app.wsgi_app = ProxyFix(app.wsgi_app)


def add_hook(app: Flask) -> None:
    app.before_request(lambda: None)


@pytest.mark.parametrize(
    ("change", "named"),
    [(add_route, "routes"), (wrap, "WSGI callable"), (add_hook, "hooks")],
)
def test_a_test_that_changes_the_shared_app_fails_naming_the_change(
    config, change: Callable[[Flask], None], named: str
):
    app = create_app(config)  # standing in for the worker's app, which must stay unchanged
    expected = rf"\({named}\): mark it `@pytest.mark.own_app`"
    with pytest.raises(AssertionError, match=expected), shared_between_tests(app):
        change(app)
    with app.app_context():
        db.engine.dispose()
