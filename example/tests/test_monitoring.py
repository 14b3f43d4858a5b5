"""Requests are timed and logged with their query count; slow queries are logged with their SQL."""

import re


def test_each_request_logs_one_line_with_its_outcome_time_and_queries(client, log_output):
    client.get("/health/live?probe=1", headers={"X-Request-ID": "req-42"})
    [line] = [line for line in log_output.getvalue().splitlines() if "/health/live" in line]
    assert "[req-42]" in line
    assert re.search(r"GET /health/live\?probe=1 200 in \d+\.\d ms, 0 queries$", line)


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
    lines = [line for line in log_output.getvalue().splitlines() if "/health/live" in line]
    assert len(lines) == 1
    assert "\\n2026-01-01 INFO forged" in lines[0]
