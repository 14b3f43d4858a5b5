"""Performance monitoring: each request's time and query count, and every slow query, in the logs.

A request ends with one log line (`GET /api/v1/tasks/ 200 in 12.4 ms, 3 queries`)
carrying its request id; with SERVER_TIMING on (development), a `Server-Timing`
header that browsers' developer tools display. A statement slower than
SLOW_QUERY_MS is logged as a warning with its SQL (never its parameters), so the
slow ones surface without turning on SQL echo.
"""

import logging
import time

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event

from .extensions import db

logger = logging.getLogger(__name__)


def start_query_clock(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    """Remember when the statement was sent."""
    conn.info.setdefault("query_started", []).append(time.perf_counter())


def stop_query_clock(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Count the statement for the request, and log it if it was slow."""
    elapsed_ms = (time.perf_counter() - conn.info["query_started"].pop()) * 1000
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1
        g.query_ms = g.get("query_ms", 0.0) + elapsed_ms
        threshold = current_app.config["SLOW_QUERY_MS"]
        if elapsed_ms >= threshold:
            logger.warning("Slow query (%.1f ms >= %d ms): %s", elapsed_ms, threshold, statement)


def start_request_clock() -> None:
    """Remember when the request arrived."""
    g.request_started = time.perf_counter()


def printable(text: str) -> str:
    """`text` with control characters escaped, so a request cannot forge a log line."""
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def log_request(response: Response) -> Response:
    """Log the request's outcome and time, and tell the client in Server-Timing if allowed."""
    total_ms = (time.perf_counter() - g.request_started) * 1000
    queries, query_ms = g.get("query_count", 0), g.get("query_ms", 0.0)
    if current_app.config["SERVER_TIMING"]:
        response.headers["Server-Timing"] = (
            f'app;dur={total_ms:.1f}, db;dur={query_ms:.1f};desc="{queries} queries"'
        )
    logger.info(
        "%s %s %s in %.1f ms, %d queries",
        request.method,
        printable(request.full_path.rstrip("?")),
        response.status_code,
        total_ms,
        queries,
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
