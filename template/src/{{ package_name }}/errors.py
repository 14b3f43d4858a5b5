"""One JSON error shape for every error the service answers with.

{"error": {"status": 409, "code": "conflict", "message": "email is already taken",
           "request_id": "3f2a...", "field": "email"}}

`field` (the input an error concerns) and `details` (per-field messages) appear
only when they apply.
"""

import traceback

from flask import Flask, Response, current_app, json
from marshmallow import Schema, fields
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database.errors import (
    FOREIGN_KEY_VIOLATION,
    LOCK_NOT_AVAILABLE,
    QUERY_CANCELED,
    UNIQUE_VIOLATION,
    constrained_field,
    is_transient,
    sqlstate,
)
from .error_tracking import report
from .extensions import db
from .request_id import current_request_id
from .validation import DomainRuleError, ModelValidationError


class ErrorSchema(Schema):
    """What went wrong, for a person and for a program."""

    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    code = fields.String(
        required=True, metadata={"description": "A stable, machine-readable code."}
    )
    message = fields.String(required=True, metadata={"description": "What happened, in words."})
    request_id = fields.String(allow_none=True, metadata={"description": "Quote it to support."})
    field = fields.String(metadata={"description": "The input the error concerns."})
    details = fields.Dict(metadata={"description": "Messages per location and field."})


class ErrorResponseSchema(Schema):
    """The body of every error response."""

    error = fields.Nested(ErrorSchema, required=True)


def error_response(
    status: int, code: str, message: str, headers: dict | None = None, **extra: object
) -> Response:
    """The JSON response for an error; `extra` adds keys such as `field` or `details`."""
    error = {"status": status, "code": code, "message": message, "request_id": current_request_id()}
    error.update({key: value for key, value in extra.items() if value is not None})
    response = current_app.response_class(
        json.dumps({"error": error}), status=status, mimetype="application/json"
    )
    response.headers.update(headers or {})
    return response


def handle_http_error(error: HTTPException) -> Response:
    """Answer an HTTP error (400, 404, 405, 503...) in the JSON shape, keeping its headers.

    The code is the status's name (`not_found`) unless the error names a finer one
    in `error_code` (`token_expired`).
    """
    default = (error.name or "error").lower().replace(" ", "_").replace("'", "")
    code = getattr(error, "error_code", None) or default
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    # Invalid input (422) carries the field errors webargs found, by location.
    details = (getattr(error, "data", None) or {}).get("messages")
    return error_response(
        error.code or 500, code, error.description or "", headers=headers, details=details
    )


def handle_unexpected_error(error: Exception) -> Response:
    """Log an unexpected exception with its traceback, report it to Sentry when error tracking
    is on (error_tracking.py), and answer a plain 500.

    A database error's message quotes the values it choked on, which may be personal
    data: it is logged by class, SQLSTATE and where it was raised, never by its text.
    """
    if isinstance(error, DBAPIError):
        where = "".join(traceback.format_tb(error.__traceback__))
        current_app.logger.error(
            "Unhandled %s (SQLSTATE %s), raised at:\n%s",
            type(error.orig).__name__,
            sqlstate(error) or "none",
            where,
        )
    else:
        current_app.logger.exception("Unhandled %s", type(error).__name__)
    report(error)
    return handle_http_error(InternalServerError())


def handle_integrity_error(error: IntegrityError) -> Response:
    """A unique or foreign-key violation is a 409 conflict; a check or not-null one a 422."""
    db.session.rollback()
    field = constrained_field(error, db.metadata)
    subject = field or "the request"
    state = sqlstate(error)
    if state == UNIQUE_VIOLATION:
        return error_response(409, "conflict", f"{subject} is already taken", field=field)
    if state == FOREIGN_KEY_VIOLATION:
        message = f"{subject} refers to a row that does not exist, or is still referred to"
        return error_response(409, "conflict", message, field=field)
    message = f"{subject} has a value the database does not accept"
    return error_response(422, "unprocessable_entity", message, field=field)


def service_unavailable(message: str) -> Response:
    """A 503 that tells the client when to try again."""
    retry_after = str(current_app.config["HEALTH_RETRY_AFTER"])
    return error_response(503, "service_unavailable", message, headers={"Retry-After": retry_after})


def handle_operational_error(error: OperationalError) -> Response:
    """The database is unreachable, a statement ran out of time, or the transaction lost a
    race: try again later. Logged by class and SQLSTATE, never with the statement's values."""
    db.session.rollback()
    state = sqlstate(error)
    if is_transient(error):
        return service_unavailable("The request collided with another one; please retry.")
    if state in {QUERY_CANCELED, LOCK_NOT_AVAILABLE}:
        current_app.logger.warning(
            "Statement cancelled: %s (SQLSTATE %s)", type(error.orig).__name__, state
        )
        return service_unavailable("The request took too long and was stopped; please retry.")
    current_app.logger.error(
        "Database unavailable: %s (SQLSTATE %s)", type(error.orig).__name__, state or "none"
    )
    return service_unavailable("The database is unavailable; please retry shortly.")


def handle_pool_timeout(_error: PoolTimeoutError) -> Response:
    """Every pooled connection stayed busy for DB_POOL_TIMEOUT seconds: shed the request."""
    current_app.logger.error("Connection pool exhausted")
    return service_unavailable("The service is busy; please retry shortly.")


def handle_model_validation_error(error: ModelValidationError) -> Response:
    """A model refused a value."""
    db.session.rollback()
    return error_response(
        422,
        "unprocessable_entity",
        error.message,
        field=error.field,
        details={error.field: [error.message]},
    )


def handle_domain_rule_error(error: DomainRuleError) -> Response:
    """The action is not allowed in the current state."""
    db.session.rollback()
    return error_response(409, "conflict", str(error))


def register_error_handlers(app: Flask) -> None:
    """Answer every error, HTTP, database or domain, in the JSON error shape."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(PoolTimeoutError, handle_pool_timeout)
    app.register_error_handler(ModelValidationError, handle_model_validation_error)
    app.register_error_handler(DomainRuleError, handle_domain_rule_error)
    app.register_error_handler(Exception, handle_unexpected_error)
