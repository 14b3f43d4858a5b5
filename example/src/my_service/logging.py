"""Logging: readable lines in development, JSON lines in production, request id on each.

JSON lines also carry the trace id when tracing is on (tracing.py), so a log search
and a tracing backend lead to each other.
"""

import logging
import logging.config

from flask import Flask

from .request_id import current_request_id
from .tracing import current_trace_id

TEXT_FORMAT = "%(asctime)s %(levelname)-8s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


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
        "filters": {"request_id": {"()": RequestIdFilter}, "trace_id": {"()": TraceIdFilter}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id", "trace_id"],
            }
        },
        "root": {"level": level, "handlers": ["console"]},
    }


def configure_logging(app: Flask) -> None:
    """Send every logger's records through one handler in the configured format."""
    logging.config.dictConfig(logging_config(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"]))
