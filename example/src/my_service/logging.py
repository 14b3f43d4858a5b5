"""Logging: readable lines in development, JSON lines in production, request id on each.

JSON lines also carry the trace id when tracing is on (tracing.py), so a log search
and a tracing backend lead to each other. Each request's own line is monitoring.py's.
"""

import logging
import logging.config

from flask import Flask

from .request_id import current_request_id
from .tracing import current_trace_id

TEXT_FORMAT = "%(asctime)s %(levelname)-8s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# How Werkzeug's development server (`flask run`) ends the line it logs for each request.
DEV_SERVER_REQUEST_LINE = '"%s" %s %s'


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was logged in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the request id and keep the record."""
        record.request_id = current_request_id() or "-"
        return True


class TraceIdFilter(logging.Filter):
    """Stamp each record with the id of the trace it was logged in (None when not traced)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the trace id and keep the record."""
        record.trace_id = current_trace_id()
        return True


class DevServerRequestFilter(logging.Filter):
    """Drop the development server's line for each request: the app writes one with more
    in it (monitoring.py). The server's other lines, its address and errors, stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but a request line of Werkzeug's server."""
        return not (record.name == "werkzeug" and str(record.msg).endswith(DEV_SERVER_REQUEST_LINE))


def logging_config(level: str, log_format: str) -> dict:
    """The dictConfig for the given level and format ("text" or "json")."""
    formatters = {
        "text": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": JSON_RENAMES,
        },
    }
    return {
        "version": 1,
        # Loggers created before this call (SQLAlchemy's, Werkzeug's) keep working.
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "trace_id": {"()": TraceIdFilter},
            "dev_server_requests": {"()": DevServerRequestFilter},
        },
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["dev_server_requests", "request_id", "trace_id"],
            }
        },
        "root": {"level": level, "handlers": ["console"]},
    }


def configure_logging(app: Flask) -> None:
    """Send every logger's records through one handler in the configured format."""
    logging.config.dictConfig(logging_config(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"]))
