"""Prometheus metrics: what the service does, in the figures dashboards and alerts read.

- `http_requests_total{method,endpoint,status}` and `http_request_duration_seconds`:
  `endpoint` is the route's template (`/api/v1/users/<id:user_id>`), never the raw path,
  so ids cannot multiply the series; `status` is the class (`2xx` ... `5xx`).
- `db_statements_per_request`: a histogram of the statements each request sent.
- `db_pool_checked_out` and `db_pool_overflow`: connections in use, and those opened beyond
  the pool's size, summed over the live processes; `db_pool_wait_seconds`: how long each
  checkout waited for a connection (opening one included), so a saturated pool shows
  before its timeouts do.
- `cache_reads_total{result}`: API reads answered from the cache (`hit`), computed
  (`miss`), answered `304` because the client's ETag was current (`not_modified`), or
  computed because the cache failed (`error`).
- `service_ready`, `db_migrations_pending` and `seed_sets_pending`: what the latest
  readiness check found, whichever worker answered it (probes reach one worker at a time).

Under gunicorn each worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py makes a fresh folder per server start) and a scrape adds them up over
the workers: prometheus_client's multiprocess mode. Without that variable (flask run,
the tests) the process's own registry answers.

Who may read them is METRICS_ACCESS (docs/security.md): `port` (the default) serves them
from gunicorn's master process on METRICS_PORT, which the load balancer never routes to;
`token` at `/metrics` on the service's own port, to a bearer of METRICS_TOKEN; `off`.
"""

import hmac
import os
import time

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool
from werkzeug.exceptions import Unauthorized

from .database.events import listen_once
from .extensions import db
from .monitoring import request_clock

REQUESTS = Counter(
    "http_requests_total",
    "Requests answered, by method, route template and status class.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to its response, by method and route template.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STATEMENTS = Histogram(
    "db_statements_per_request",
    "SQL statements each request sent.",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
)
POOL_CHECKED_OUT = Gauge(
    "db_pool_checked_out",
    "Database connections in use, over the live processes.",
    multiprocess_mode="livesum",
)
POOL_OVERFLOW = Gauge(
    "db_pool_overflow",
    "Connections open beyond the pool's size, over the live processes.",
    multiprocess_mode="livesum",
)
POOL_WAIT = Histogram(
    "db_pool_wait_seconds",
    "Time each checkout waited for a database connection, opening a new one included.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CACHE_READS = Counter(
    "cache_reads_total",
    "Cached API reads, by result: hit, miss, not_modified (a 304: the client's ETag was "
    "current), or error (the cache failed; the read was computed).",
    ["result"],
)
READY = Gauge(
    "service_ready",
    "1 when the latest readiness check (of any process) passed, 0 when it failed.",
    multiprocess_mode="livemostrecent",
)
MIGRATIONS_PENDING = Gauge(
    "db_migrations_pending",
    "Migration revisions not yet applied to the database, at the latest readiness check.",
    multiprocess_mode="livemostrecent",
)
SEED_SETS_PENDING = Gauge(
    "seed_sets_pending",
    "Seed sets of this environment not yet applied, at the latest readiness check.",
    multiprocess_mode="livemostrecent",
)


def scrape_registry() -> CollectorRegistry:
    """The registry a scrape reads: every worker's files in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def status_class(code: int) -> str:
    """`2xx` for 204, `5xx` for 503."""
    return f"{code // 100}xx"


def count_request(response: Response) -> Response:
    """Count the answered request and observe its latency and statements."""
    endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    REQUESTS.labels(request.method, endpoint, status_class(response.status_code)).inc()
    clock = request_clock()
    if clock is not None:
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - clock.started)
        STATEMENTS.observe(clock.queries)
    sample_overflow()
    return response


def note_checkout(_dbapi_connection, _connection_record, _connection_proxy) -> None:
    """A connection left the pool."""
    POOL_CHECKED_OUT.inc()


def note_checkin(_dbapi_connection, _connection_record) -> None:
    """A connection came back to the pool."""
    POOL_CHECKED_OUT.dec()


class TimedQueuePool(QueuePool):
    """SQLAlchemy's QueuePool, observing how long each checkout waits (POOL_WAIT)."""

    def _do_get(self) -> ConnectionPoolEntry:
        """Wait for a connection as QueuePool does, timed whether it comes or times out."""
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            POOL_WAIT.observe(time.perf_counter() - started)


def sample_overflow() -> None:
    """Connections beyond the pool's size, as the request ends (QueuePool only)."""
    pools = [getattr(engine, "pool", None) for engine in db.engines.values()]
    overflow = sum(max(0, pool.overflow()) for pool in pools if isinstance(pool, QueuePool))
    POOL_OVERFLOW.set(overflow)


def watch_pool(engine: Engine) -> None:
    """Follow the connections of `engine`'s pool."""
    listen_once(engine, "checkout", note_checkout)
    listen_once(engine, "checkin", note_checkin)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """The metrics, to a bearer of METRICS_TOKEN (METRICS_ACCESS=token)."""
    expected = f"Bearer {current_app.config['METRICS_TOKEN']}".encode()
    supplied = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(supplied, expected):
        raise Unauthorized("Send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'.")
    return Response(generate_latest(scrape_registry()), mimetype=CONTENT_TYPE_LATEST)


def register_metrics(app: Flask) -> None:
    """Measure every request and this app's connection pools; serve /metrics if asked to."""
    app.after_request(count_request)
    with app.app_context():
        for engine in db.engines.values():
            watch_pool(engine)
    if app.config["METRICS_ACCESS"] == "token":
        app.register_blueprint(bp)
