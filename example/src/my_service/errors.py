"""One JSON error shape for every error the service answers with.

{"error": {"status": 409, "code": "conflict", "message": "email is already taken",
           "request_id": "3f2a...", "field": "email"}}

`field` (the input an error concerns) and `details` (per-field messages) appear
only when they apply.
"""

from flask import Flask, Response, current_app, json
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from .request_id import current_request_id


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
    """Answer an HTTP error (400, 404, 405, 503...) in the JSON shape, keeping its headers."""
    code = (error.name or "error").lower().replace(" ", "_").replace("'", "")
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    # Invalid input (422) carries the field errors webargs found, by location.
    details = (getattr(error, "data", None) or {}).get("messages")
    return error_response(
        error.code or 500, code, error.description or "", headers=headers, details=details
    )


def handle_unexpected_error(error: Exception) -> Response:
    """Log an unexpected exception with its traceback and answer a plain 500."""
    current_app.logger.exception("Unhandled %s", type(error).__name__)
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Route every error through the JSON error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
