"""A request id for every request: kept from X-Request-ID or made fresh."""

import re
import uuid

from flask import Flask, Response, g, has_app_context, request

HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain, so it is safe in logs.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if has_app_context() else None


def assign_request_id() -> None:
    """Take the caller's request id when it is valid, otherwise make one."""
    incoming = request.headers.get(HEADER, "")
    # A full match: `$` alone would let a trailing newline through into the logs.
    g.request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def echo_request_id(response: Response) -> Response:
    """Return the request id to the caller."""
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def register_request_id(app: Flask) -> None:
    """Give every request an id, visible in logs and in the response header."""
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)
