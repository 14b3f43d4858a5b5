"""Performance monitoring: each request's time and query count, and every slow query, in the logs.

Each request leaves one log line: its method, path, status and time, its request id,
trace id (when traced), statement count and the signed-in caller's user id. Under
gunicorn, gunicorn.conf.py writes it, as the access line, from the fields this module
leaves in the request's WSGI environ (`ACCESS_FIELDS`); served any other way (`flask
run`), the app writes it (`GET /api/v1/tasks/ 200 in 12.4 ms, 3 queries`).

With SERVER_TIMING on (development), a `Server-Timing` header tells browsers'
developer tools where the time went. A statement slower than SLOW_QUERY_MS is logged as
a warning with its SQL (never its parameters), so the slow ones surface without turning
on SQL echo.
"""

import logging
import time
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event, inspect

from .auth.callers import ANONYMOUS
from .extensions import db
from .request_id import current_request_id
from .tracing import current_trace_id

logger = logging.getLogger(__name__)
# What the app knows of a request and the server's access line carries; the app leaves
# them in the WSGI environ under ACCESS_ENVIRON_KEY.
ACCESS_FIELDS = ("request_id", "trace_id", "user_id", "queries")
ACCESS_ENVIRON_KEY = f"{__package__}.access_fields"
# Set by a server that writes each request's line itself (gunicorn.conf.py).
SERVER_WRITES_ACCESS_LINES = "SERVER_WRITES_ACCESS_LINES"


@dataclass(slots=True)
class RequestClock:
    """When the request arrived, and the statements it has sent so far."""

    started: float = field(default_factory=time.perf_counter)
    queries: int = 0
    query_ms: float = 0.0
    # SLOW_QUERY_MS, read once per request rather than once per statement.
    slow_query_ms: float = float("inf")


def request_clock() -> RequestClock | None:
    """The clock of the request being handled, if any (statements also run outside one)."""
    return g.get("clock") if has_request_context() else None


def start_query_clock(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    """Remember when the statement was sent."""
    conn.info.setdefault("query_started", []).append(time.perf_counter())


def stop_query_clock(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Count the statement for the request, and log it if it was slow."""
    elapsed_ms = (time.perf_counter() - conn.info["query_started"].pop()) * 1000
    clock = request_clock()
    if clock is None:
        return
    clock.queries += 1
    clock.query_ms += elapsed_ms
    if elapsed_ms >= clock.slow_query_ms:
        logger.warning(
            "Slow query (%.1f ms >= %d ms): %s", elapsed_ms, clock.slow_query_ms, statement
        )


def start_request_clock() -> None:
    """Start the request's clock."""
    g.clock = RequestClock(slow_query_ms=current_app.config["SLOW_QUERY_MS"])


def printable(text: str) -> str:
    """`text` with control characters escaped, so a request cannot forge a log line."""
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def caller_user_id() -> int | None:
    """The signed-in caller's user id, read without a query: a rollback may have expired
    the user."""
    user = g.get("caller", ANONYMOUS).user
    return inspect(user).identity[0] if user is not None else None


def log_request(response: Response) -> Response:
    """Leave the request's fields for the access line, or log it here when the server does
    not; tell the client in Server-Timing if allowed."""
    clock = g.clock
    total_ms = (time.perf_counter() - clock.started) * 1000
    queries, query_ms = clock.queries, clock.query_ms
    if current_app.config["SERVER_TIMING"]:
        response.headers["Server-Timing"] = (
            f'app;dur={total_ms:.1f}, db;dur={query_ms:.1f};desc="{queries} queries"'
        )
    fields = {
        "request_id": current_request_id(),
        "trace_id": current_trace_id(),
        "user_id": caller_user_id(),
        "queries": queries,
    }
    request.environ[ACCESS_ENVIRON_KEY] = fields
    if current_app.config.get(SERVER_WRITES_ACCESS_LINES):
        return response
    path = printable(request.full_path.rstrip("?"))
    user = f", user {fields['user_id']}" if fields["user_id"] is not None else ""
    logger.info(
        "%s %s %s in %.1f ms, %d queries%s",
        request.method,
        path,
        response.status_code,
        total_ms,
        queries,
        user,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round(total_ms, 1),
            "queries": queries,
            "user_id": fields["user_id"],
        },
    )
    return response


def register_monitoring(app: Flask) -> None:
    """Time every request, and every statement sent through this app's engines."""
    app.before_request(start_request_clock)
    app.after_request(log_request)
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", start_query_clock)
            event.listen(engine, "after_cursor_execute", stop_query_clock)
