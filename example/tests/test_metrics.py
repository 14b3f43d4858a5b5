"""Prometheus metrics: labelled by route template, counted per request, read only as
METRICS_ACCESS allows. tests/topology/test_metrics_across_workers.py checks the figures
add up over real gunicorn workers."""

import pytest
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy.engine import URL
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from my_service import create_app
from my_service.config import ProductionConfig, TestingConfig
from my_service.extensions import db
from my_service.settings import ConfigurationError

TOKEN = "metrics-token-of-the-tests-" + "x" * 20


def sample(name: str, **labels: str) -> float:
    """A metric's current value in this process (0 when it has no such series yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_route_template_and_status_class(client, admin):
    labels = {"method": "GET", "endpoint": "/api/v1/users/<id:user_id>"}
    before = sample("http_requests_total", **labels, status="2xx")
    latencies = sample("http_request_duration_seconds_count", **labels)
    for _ in range(3):
        assert client.get(f"/api/v1/users/{admin.id}").status_code == 200
    assert sample("http_requests_total", **labels, status="2xx") == before + 3
    assert sample("http_request_duration_seconds_count", **labels) == latencies + 3
    # The raw path, with its id, is never a label.
    assert f"/api/v1/users/{admin.id}" not in exposition()


def test_an_unknown_url_is_counted_once_under_one_label(client):
    labels = {"method": "GET", "endpoint": "<unmatched>", "status": "4xx"}
    before = sample("http_requests_total", **labels)
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    assert sample("http_requests_total", **labels) == before + 2


def test_statements_per_request_are_observed(client, admin):
    before_count = sample("db_statements_per_request_count")
    before_sum = sample("db_statements_per_request_sum")
    client.get(f"/api/v1/users/{admin.id}")
    assert sample("db_statements_per_request_count") == before_count + 1
    assert sample("db_statements_per_request_sum") >= before_sum + 1


def test_cached_reads_are_counted_as_misses_then_hits(client):
    misses = sample("cache_reads_total", result="miss")
    hits = sample("cache_reads_total", result="hit")
    assert client.get("/api/v1/projects/").status_code == 200
    assert client.get("/api/v1/projects/").status_code == 200
    assert sample("cache_reads_total", result="miss") == misses + 1
    assert sample("cache_reads_total", result="hit") == hits + 1


def test_each_checkout_is_timed_waiting_included(config):
    options = config.SQLALCHEMY_ENGINE_OPTIONS
    one = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}  # whole seconds only
    config.SQLALCHEMY_ENGINE_OPTIONS = {**options, **one}
    app = create_app(config)
    with app.app_context():
        engine = db.engine
        with engine.connect():
            pass  # the pool's one connection is opened here, however long that takes
        count, total = sample("db_pool_wait_seconds_count"), sample("db_pool_wait_seconds_sum")
        quick = sample("db_pool_wait_seconds_bucket", le="0.1")
        with engine.connect():
            # The only connection is in use: the next checkout waits 1 s, then gives up.
            with pytest.raises(PoolTimeoutError):
                engine.connect()
        engine.dispose()
    assert sample("db_pool_wait_seconds_count") == count + 2
    assert sample("db_pool_wait_seconds_bucket", le="0.1") == quick + 1
    assert sample("db_pool_wait_seconds_sum") - total >= 1


def exposition() -> str:
    """What a scrape of this process reads."""
    return generate_latest(REGISTRY).decode()


def app_with(database_url: URL, **settings: str):
    """The app with extra settings, on the test database."""
    url = database_url.render_as_string(hide_password=False)
    return create_app(TestingConfig({"TEST_DATABASE_URL": url, **settings}))


def test_by_default_the_service_port_serves_no_metrics(anonymous):
    # METRICS_ACCESS=port: gunicorn's master serves them on METRICS_PORT, not the app.
    assert anonymous.get("/metrics").status_code == 404


def test_with_a_token_only_its_bearer_reads_the_metrics(database_url):
    client = app_with(database_url, METRICS_ACCESS="token", METRICS_TOKEN=TOKEN).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert "Bearer <METRICS_TOKEN>" in refused.get_json()["error"]["message"]
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.mimetype == "text/plain"
    assert "# TYPE http_requests_total counter" in scraped.get_data(as_text=True)


def test_switched_off_nothing_serves_the_metrics(database_url):
    client = app_with(database_url, METRICS_ACCESS="off").test_client()
    assert client.get("/metrics").status_code == 404


def test_a_misspelt_access_mode_stops_the_start_naming_it(database_url):
    with pytest.raises(ConfigurationError, match="METRICS_ACCESS must be one of port, token, off"):
        app_with(database_url, METRICS_ACCESS="public")


def test_production_wants_a_strong_metrics_token():
    env = {
        "DATABASE_URL": "postgresql://app@db/app",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "METRICS_ACCESS": "token",
    }
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN"):
        ProductionConfig(env)
    assert ProductionConfig({**env, "METRICS_TOKEN": TOKEN}).METRICS_TOKEN == TOKEN
