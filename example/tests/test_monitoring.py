"""Each request leaves one log line with its outcome, time, statement count and caller; slow
queries are logged with their SQL."""

import json
import re
import threading
from urllib.request import urlopen

import pytest
from werkzeug.serving import make_server

from my_service.monitoring import (
    ACCESS_ENVIRON_KEY,
    ACCESS_FIELDS,
    SERVER_WRITES_ACCESS_LINES,
)


def request_lines(log_output, path: str) -> list[str]:
    """The lines logged that name `path`."""
    return [line for line in log_output.getvalue().splitlines() if path in line]


def environs_served(app) -> list[dict]:
    """The WSGI environ of each request the app serves from now on, as the server holds it
    once the app has answered (the test client copies the one it sends)."""
    served = []
    serve = app.wsgi_app

    def recording(environ, start_response):
        served.append(environ)
        return serve(environ, start_response)

    app.wsgi_app = recording
    return served


def test_each_request_logs_one_line_with_its_outcome_time_and_queries(client, log_output):
    client.get("/health/live?probe=1", headers={"X-Request-ID": "req-42"})
    [line] = request_lines(log_output, "/health/live")
    assert "[req-42]" in line
    assert re.search(r"GET /health/live\?probe=1 200 in \d+\.\d ms, 0 queries$", line)


def test_a_signed_in_callers_line_names_their_user(client, admin, log_output):
    client.get("/api/v1/users/")
    [line] = request_lines(log_output, "/api/v1/users/")
    queries = int(re.search(r" (\d+) queries, user (\d+)$", line).group(1))
    assert line.endswith(f", user {admin.id}")
    assert queries > 0


def test_a_json_line_carries_each_field(config, log_output_for):
    config.LOG_FORMAT = "json"
    app, output = log_output_for(config)
    app.test_client().get("/health/ready", headers={"X-Request-ID": "req-44"})
    [line] = [json.loads(line) for line in request_lines(output, "/health/ready")]
    assert line["message"].startswith("GET /health/ready 200 in ")
    assert line["request_id"] == "req-44"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health/ready", 200)
    assert line["duration_ms"] >= 0
    assert line["queries"] > 0
    assert line["user_id"] is None
    assert "trace_id" in line


@pytest.mark.own_app  # it wraps the app
def test_behind_a_server_that_writes_access_lines_the_app_leaves_it_the_fields(
    app, client, admin, log_output
):
    app.config[SERVER_WRITES_ACCESS_LINES] = True
    served = environs_served(app)
    client.get("/api/v1/users/", headers={"X-Request-ID": "req-45"})
    [environ] = served
    fields = environ[ACCESS_ENVIRON_KEY]
    assert set(fields) == set(ACCESS_FIELDS)
    assert fields["request_id"] == "req-45"
    assert fields["queries"] > 0
    assert fields["user_id"] == admin.id
    assert fields["trace_id"] is None  # tracing is off
    assert request_lines(log_output, "/api/v1/users/") == []


@pytest.mark.own_app  # it wraps the app
def test_an_anonymous_callers_fields_have_no_user(app, anonymous, log_output):
    app.config[SERVER_WRITES_ACCESS_LINES] = True
    served = environs_served(app)
    anonymous.get("/health/live")
    [environ] = served
    fields = environ[ACCESS_ENVIRON_KEY]
    assert fields["user_id"] is None
    assert fields["queries"] == 0
    assert request_lines(log_output, "/health/live") == []


def test_under_the_development_server_a_request_leaves_one_line(app, log_output):
    server = make_server("127.0.0.1", 0, app)
    serving = threading.Thread(target=server.handle_request)
    serving.start()
    try:
        with urlopen(f"http://127.0.0.1:{server.port}/health/live?probe=2", timeout=10) as answer:
            assert answer.status == 200
    finally:
        serving.join(10)
        server.server_close()
    assert not serving.is_alive(), "the development server did not finish the request in 10 s"
    [line] = request_lines(log_output, "/health/live")
    assert "GET /health/live?probe=2 200 in " in line


def test_server_timing_is_sent_only_when_turned_on(app, client):
    assert "Server-Timing" not in client.get("/health/live").headers
    app.config["SERVER_TIMING"] = True
    assert "Server-Timing" in client.get("/health/live").headers


def test_server_timing_tells_the_client_where_the_time_went(app, client):
    app.config["SERVER_TIMING"] = True
    live = client.get("/health/live").headers["Server-Timing"]
    assert re.fullmatch(r'app;dur=\d+\.\d, db;dur=0\.0;desc="0 queries"', live)
    ready = client.get("/health/ready").headers["Server-Timing"]
    queries = int(re.search(r'desc="(\d+) queries"', ready).group(1))
    assert queries >= 1


def test_a_failed_request_is_logged_too(client, log_output):
    client.get("/no/such/page")
    assert re.search(r"GET /no/such/page 404 in \d+\.\d ms", log_output.getvalue())


def test_a_query_over_the_threshold_is_logged_with_its_sql(app, client, log_output):
    app.config["SLOW_QUERY_MS"] = 0
    client.get("/health/ready")
    slow = [line for line in log_output.getvalue().splitlines() if "Slow query" in line]
    assert any("SELECT 1" in line for line in slow)


def test_fast_queries_are_not_logged_as_slow(app, client, log_output):
    app.config["SLOW_QUERY_MS"] = 60_000
    client.get("/health/ready")
    assert "Slow query" not in log_output.getvalue()


def test_a_path_cannot_forge_a_log_line(client, log_output):
    client.get("/health/live%0A2026-01-01 INFO forged: admin signed in")
    lines = request_lines(log_output, "/health/live")
    assert len(lines) == 1
    assert "\\n2026-01-01 INFO forged" in lines[0]
