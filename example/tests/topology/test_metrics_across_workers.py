"""Prometheus metrics under gunicorn, as the image serves them: every worker counts its own
requests in prometheus_client's multiprocess files, and one scrape of the master's metrics
port adds them up."""

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .load import call, run
from .processes import Gunicorn, listening, wait_for

pytestmark = pytest.mark.topology

MOST = 50  # requests per client before the test gives up on a worker that never answers
LIVE = {"method": "GET", "endpoint": "/health/live", "status": "2xx"}


def scrape(server: Gunicorn) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape of the master's metrics port, by name and labels."""
    # gunicorn listens on the service's port first, then starts the metrics server.
    wait_for(lambda: listening(server.metrics_port), "the metrics port", 10)
    with urllib.request.urlopen(server.metrics_url, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """One sample's value, 0 when the series does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def live(server: Gunicorn):
    """One liveness probe."""
    return call(server.url, "GET", "/health/live")


def test_the_request_count_adds_up_over_the_workers(serve, service_database):
    server = serve(service_database, workers=2)
    timed = {"method": "GET", "endpoint": "/health/live"}
    before = scrape(server)
    # Until both workers have answered some, so the total is a sum over processes.
    outcomes = run(6, lambda *_: live(server), rounds=MOST, until=server.every_worker_answered)
    sent = len(outcomes)
    assert [outcome.status for outcome in outcomes] == [200] * sent
    wait_for(lambda: len(server.access_log()) >= sent, "every access line", 10)
    assert server.every_worker_answered(), f"one worker answered all {sent} requests"
    after = scrape(server)
    for name, labels in [
        ("http_requests_total", LIVE),
        ("http_request_duration_seconds_count", timed),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == sent, name
    # One probe reaches one worker; the gauge is the latest check's, whichever worker ran it.
    assert call(server.url, "GET", "/health/ready").status == 200
    ready = scrape(server)
    # Looked up, not read through value(): a series that is not exported must fail here.
    assert ready[("service_ready", frozenset())] == 1
    assert ready[("db_migrations_pending", frozenset())] == 0


def test_a_restarted_worker_keeps_its_predecessors_counts(serve, service_database):
    server = serve(service_database, workers=2)
    for _ in range(10):
        assert call(server.url, "GET", "/health/live").status == 200
    counted = value(scrape(server), "http_requests_total", **LIVE)
    assert counted >= 10
    [victim, *_] = sorted(server.worker_pids())
    server.kill_worker(victim)
    wait_for(lambda: len(server.live_worker_pids()) == 2, "a replacement worker", 20)
    assert value(scrape(server), "http_requests_total", **LIVE) == counted


def test_a_second_instance_on_the_same_metrics_port_refuses_to_start_in_one_line(
    serve, service_database
):
    first = serve(service_database, workers=1)
    wait_for(lambda: listening(first.metrics_port), "the first instance's metrics port", 10)
    with pytest.raises(RuntimeError, match="gunicorn exited 1") as refused:
        serve(service_database, workers=1, METRICS_PORT=str(first.metrics_port))
    log = str(refused.value)
    assert "Traceback" not in log
    [line] = [line for line in log.splitlines() if "METRICS_PORT" in line]
    assert f"METRICS_PORT {first.metrics_port} is taken" in line
    assert call(first.url, "GET", "/health/live").status == 200
