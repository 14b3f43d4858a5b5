"""Every response carries a request id, and every log line written during it too."""

import json

import pytest


def test_a_request_id_is_made_when_none_is_sent(client):
    first = client.get("/health/live").headers["X-Request-ID"]
    second = client.get("/health/live").headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_an_incoming_request_id_is_kept(client):
    response = client.get("/health/live", headers={"X-Request-ID": "edge-42.abc"})
    assert response.headers["X-Request-ID"] == "edge-42.abc"


@pytest.mark.parametrize("unsafe", ["x" * 129, "two words", "new\\nline"])
def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = client.get("/health/live", headers={"X-Request-ID": unsafe})
    assert response.headers["X-Request-ID"] != unsafe
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.own_app
def test_log_lines_in_a_request_carry_its_id(app, client, log_output):
    @app.get("/noisy")
    def noisy():
        app.logger.warning("handling noisy")
        return {}

    client.get("/noisy", headers={"X-Request-ID": "req-7"})
    [line] = [line for line in log_output.getvalue().splitlines() if "handling noisy" in line]
    assert "[req-7]" in line


def test_log_lines_outside_a_request_carry_a_dash(app, log_output):
    app.logger.warning("starting up")
    assert "[-]" in log_output.getvalue()


def test_json_format_writes_one_json_object_per_line(config, log_output_for):
    config.LOG_FORMAT = "json"
    app, output = log_output_for(config)
    with app.test_request_context(headers={"X-Request-ID": "req-9"}):
        app.preprocess_request()
        app.logger.warning("disk %s", "low")
    line = json.loads(output.getvalue().splitlines()[-1])
    assert line["message"] == "disk low"
    assert line["level"] == "WARNING"
    assert line["logger"] == app.logger.name
    assert line["request_id"] == "req-9"
    assert "time" in line


def test_an_incoming_id_with_a_trailing_newline_is_replaced(client):
    # A raw header value, as a proxy that lets it through would pass it on.
    response = client.get("/health/live", environ_overrides={"HTTP_X_REQUEST_ID": "abc123\n"})
    assert response.headers["X-Request-ID"] != "abc123"
    assert len(response.headers["X-Request-ID"]) == 32
