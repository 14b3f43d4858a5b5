"""Database and model errors as HTTP answers: 422 bad value, 409 conflict, 503 unavailable."""

from flask import Flask, Response, current_app
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ..errors import error_response
from ..extensions import db
from .retry import is_transient, sqlstate
from .validation import DomainRuleError, ModelValidationError

UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION, NOT_NULL_VIOLATION = "23505", "23503", "23502"


def constrained_field(error: IntegrityError) -> str | None:
    """The model field a violated constraint guards, from its name in the metadata."""
    diagnostics = getattr(error.orig, "diag", None)
    if sqlstate(error) == NOT_NULL_VIOLATION:
        return getattr(diagnostics, "column_name", None)
    name = getattr(diagnostics, "constraint_name", None)
    for table in db.metadata.tables.values():
        for item in [*table.constraints, *table.indexes]:
            if item.name == name:
                columns = [column.name for column in getattr(item, "columns", [])]
                return item.info.get("field") or (columns[-1] if columns else None)
    return None


def handle_integrity_error(error: IntegrityError) -> Response:
    """A unique or foreign-key violation is a 409 conflict; a check or not-null one a 422."""
    db.session.rollback()
    field = constrained_field(error)
    subject = field or "the request"
    state = sqlstate(error)
    if state == UNIQUE_VIOLATION:
        return error_response(409, "conflict", f"{subject} is already taken", field=field)
    if state == FOREIGN_KEY_VIOLATION:
        message = f"{subject} refers to a row that does not exist, or is still referred to"
        return error_response(409, "conflict", message, field=field)
    message = f"{subject} has a value the database does not accept"
    return error_response(422, "unprocessable_entity", message, field=field)


def handle_operational_error(error: OperationalError) -> Response:
    """The database is unreachable or the transaction lost a race: try again later."""
    db.session.rollback()
    retry_after = str(current_app.config["HEALTH_RETRY_AFTER"])
    if is_transient(error):
        message = "The request collided with another one; please retry."
    else:
        current_app.logger.error("Database unavailable: %s", type(error.orig).__name__)
        message = "The database is unavailable; please retry shortly."
    return error_response(503, "service_unavailable", message, headers={"Retry-After": retry_after})


def handle_pool_timeout(_error: PoolTimeoutError) -> Response:
    """Every pooled connection stayed busy for DB_POOL_TIMEOUT seconds: shed the request."""
    current_app.logger.error("Connection pool exhausted")
    retry_after = str(current_app.config["HEALTH_RETRY_AFTER"])
    message = "The service is busy; please retry shortly."
    return error_response(503, "service_unavailable", message, headers={"Retry-After": retry_after})


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


def register_database_error_handlers(app: Flask) -> None:
    """Answer database and model errors in the JSON error shape."""
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(PoolTimeoutError, handle_pool_timeout)
    app.register_error_handler(ModelValidationError, handle_model_validation_error)
    app.register_error_handler(DomainRuleError, handle_domain_rule_error)
