"""gunicorn's settings for the service, as the image runs it.

`gunicorn my_service:create_app()` in this folder reads them. Each can be changed from
the environment; docs/deployment.md sizes workers and threads against the database's
connections."""

import errno
import gc
import os
import sys
import tempfile
from pathlib import Path

# Metrics from every worker: each writes its samples to files in this folder and a scrape
# adds them up (prometheus_client's multiprocess mode). It must be set before the service's
# modules load, and hold nothing from an earlier start.
IN_MEMORY = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec B108
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()
else:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-", dir=IN_MEMORY)

from gunicorn.glogging import Logger  # noqa: E402
from prometheus_client import CollectorRegistry, multiprocess, start_http_server  # noqa: E402
from pythonjsonlogger.json import JsonFormatter  # noqa: E402

from my_service.config import ConfigurationError, load_config  # noqa: E402
from my_service.logging import JSON_FIELDS, JSON_RENAMES  # noqa: E402
from my_service.monitoring import (  # noqa: E402
    ACCESS_ENVIRON_KEY,
    ACCESS_FIELDS,
    SERVER_WRITES_ACCESS_LINES,
)

# Checked once, as the master starts: a bad setting stops it with one line, before any
# worker is forked (each would otherwise print a traceback).
try:
    settings = load_config()
except ConfigurationError as error:
    sys.exit(f"Configuration error: {error}")


def setting(name: str, default: int) -> int:
    """A whole number from the environment, or the default."""
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = setting("WEB_CONCURRENCY", 2)
threads = setting("GUNICORN_THREADS", 1)
# A worker silent for this long is killed and replaced (a request stuck past every
# database timeout); on SIGTERM, workers get this long to finish their requests.
timeout = setting("GUNICORN_TIMEOUT", 60)
graceful_timeout = setting("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Seconds an idle client connection is kept open, for a load balancer that reuses them.
# Only threaded workers (GUNICORN_THREADS above 1) keep connections; sync workers close
# each one after its response.
keepalive = setting("GUNICORN_KEEPALIVE", 5)
# Workers' heartbeat files in memory: a slow container disk cannot stall them.
worker_tmp_dir = IN_MEMORY
control_socket_disable = True  # nothing here uses gunicorn's control socket
accesslog = "-"
errorlog = "-"


class JsonAccessLogger(Logger):
    """Each request's one log line, as JSON in the fields of the service's own logs, with
    what the service left for it in the environ (request id, trace id, statement count,
    the signed-in caller's user id: monitoring.py)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES)
        for handler in self.access_log.handlers:
            handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time) -> None:
        if not self.cfg.accesslog:
            return
        # A request the service never saw (one gunicorn refused) has none of its fields.
        known = environ.get(ACCESS_ENVIRON_KEY, {})
        path = req.path + (f"?{req.query}" if req.query else "")
        self.access_log.info(
            "%s %s %s",
            req.method,
            path,
            resp.status_code,
            extra={
                **{field: known.get(field) for field in ACCESS_FIELDS},
                "request_id": known.get("request_id") or "-",
                "method": req.method,
                "path": path,
                "status": resp.status_code,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "user_agent": environ.get("HTTP_USER_AGENT"),
                "pid": os.getpid(),
            },
        )


logger_class = JsonAccessLogger


def when_ready(server) -> None:
    """With METRICS_ACCESS=port, serve every worker's metrics from this process; refuse to
    start, in one line, when another process has the port (its metrics would go unseen)."""
    if settings.METRICS_ACCESS != "port":
        return
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    try:
        start_http_server(settings.METRICS_PORT, registry=registry)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        server.log.error(
            "METRICS_PORT %s is taken by another process (another instance of the service on "
            "this host?): give each instance its own METRICS_PORT, or set METRICS_ACCESS=token",
            settings.METRICS_PORT,
        )
        sys.exit(1)
    server.log.info("Metrics on port %s (/metrics)", settings.METRICS_PORT)


# Container objects allocated, net, between two collections of the youngest generation
# (Python's default is 700). A request allocates a few thousand ORM, schema and header
# objects, nearly all freed by reference counting as it ends; at 700 the collector
# would run several times inside every request to find what it rarely finds.
GC_YOUNGEST_THRESHOLD = 20_000


def post_worker_init(worker) -> None:
    """The service is loaded: its requests' lines are this server's access lines, its
    long-lived objects stay out of every garbage collection, and collections run every
    few requests rather than several times in each.

    Without the freeze, each older-generation collection would also walk every module,
    mapper and spec object loaded at start.
    """
    if worker.cfg.accesslog:
        worker.wsgi.config[SERVER_WRITES_ACCESS_LINES] = True
    gc.freeze()
    _youngest, *older = gc.get_threshold()
    gc.set_threshold(GC_YOUNGEST_THRESHOLD, *older)


def child_exit(server, worker) -> None:
    """A worker is gone: its gauges stop counting (its counters stay in the totals)."""
    multiprocess.mark_process_dead(worker.pid)
