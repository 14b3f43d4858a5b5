"""The OpenAPI document names HTTP statuses as RFC 9110 does, on every Python.

flask-smorest names each response component after `http.HTTPStatus(code).name`, and
Python 3.13 renamed four of those members after RFC 9110 (`UNPROCESSABLE_ENTITY` became
`UNPROCESSABLE_CONTENT`, for one). Without this, the document changes with the Python that
writes it, and the committed docs/openapi.json is stale on every other one.
"""

from http import HTTPStatus

from apispec import BasePlugin

# Python 3.12 and earlier name -> the RFC 9110 name and phrase Python 3.13 uses.
RFC_9110 = {
    "REQUEST_ENTITY_TOO_LARGE": ("CONTENT_TOO_LARGE", "Content Too Large"),
    "REQUEST_URI_TOO_LONG": ("URI_TOO_LONG", "URI Too Long"),
    "REQUESTED_RANGE_NOT_SATISFIABLE": ("RANGE_NOT_SATISFIABLE", "Range Not Satisfiable"),
    "UNPROCESSABLE_ENTITY": ("UNPROCESSABLE_CONTENT", "Unprocessable Content"),
}


def renamed_statuses() -> dict[str, tuple[str, str]]:
    """Old name -> (RFC 9110 name, phrase), for the members this Python still names the old
    way (none from Python 3.13 on)."""
    return {status.name: RFC_9110[status.name] for status in HTTPStatus if status.name in RFC_9110}


class RFC9110StatusNames(BasePlugin):
    """An apispec plugin: operations refer to responses by their RFC 9110 names."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        renamed = renamed_statuses()
        for operation in (operations or {}).values():
            responses = operation.get("responses", {})
            for code, response in responses.items():
                if isinstance(response, str) and response in renamed:
                    responses[code] = renamed[response][0]
