"""Every error answers with the same JSON shape, and never leaks internals."""

import logging

import pytest
from flask import abort

pytestmark = pytest.mark.own_app  # each test's app gets the routes below


@pytest.fixture
def app(app):
    """The app with a few routes that fail on purpose."""

    @app.get("/fail/<int:status>")
    def fail(status):
        abort(status)

    @app.get("/crash")
    def crash():
        raise RuntimeError("secret internal detail")

    return app


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_unknown_url_answers_404_json(client):
    assert_error_shape(client.get("/no/such/page"), 404, "not_found")


def test_wrong_method_answers_405_json_with_allow_header(client):
    response = client.delete("/health/live")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_bad_request_answers_400_json(client):
    assert_error_shape(client.get("/fail/400"), 400, "bad_request")


def test_aborted_500_answers_json(client):
    assert_error_shape(client.get("/fail/500"), 500, "internal_server_error")


def test_unexpected_exception_answers_500_without_leaking(client):
    response = client.get("/crash")
    assert_error_shape(response, 500, "internal_server_error")
    assert b"secret internal detail" not in response.data
    assert b"Traceback" not in response.data


def test_unexpected_exception_is_logged_with_its_traceback(client, caplog):
    with caplog.at_level(logging.ERROR):
        client.get("/crash")
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info[0] is RuntimeError
    assert "secret internal detail" in caplog.text
