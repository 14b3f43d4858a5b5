"""One JSON error shape for every error the service answers with.

{"error": {"status": 404, "code": "not_found", "message": "...", "request_id": "..."}}
"""

from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException, InternalServerError

from .request_id import current_request_id


def error_body(status: int, code: str, message: str) -> dict:
    """The JSON document for an error."""
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "request_id": current_request_id(),
        }
    }


def handle_http_error(error: HTTPException) -> Response:
    """Answer an HTTP error (400, 404, 405, 503...) in the JSON shape, keeping its headers."""
    response = error.get_response()
    code = (error.name or "error").lower().replace(" ", "_").replace("'", "")
    body = error_body(error.code or 500, code, error.description or "")
    response.set_data(json.dumps(body))
    response.content_type = "application/json"
    return response


def handle_unexpected_error(error: Exception) -> Response:
    """Log an unexpected exception with its traceback and answer a plain 500."""
    current_app.logger.exception("Unhandled %s", type(error).__name__)
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Route every error through the JSON error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
