"""gunicorn with the project's gunicorn.conf.py, as the image runs it: one JSON line per
request, the access line, in the fields of the service's own logs, with what the service
knows of the request (its request id, statement count, caller)."""

import pytest

from .conftest import admin_headers
from .load import call
from .processes import wait_for

pytestmark = pytest.mark.topology


def test_each_request_leaves_one_json_line_with_its_request_id(serve, service_database):
    # At INFO, the level the service's own request lines would be written at.
    server = serve(service_database, workers=2, LOG_LEVEL="INFO")
    headers = admin_headers(server)
    paths = [f"/health/live?n={n}" for n in range(4)] + ["/api/v1/nothing-here"]
    answers = [call(server.url, "GET", path) for path in paths]
    signed_in = call(server.url, "GET", "/api/v1/users/me", headers=headers)
    assert signed_in.status == 200, signed_in.body
    request_ids = {answer.headers["x-request-id"] for answer in [*answers, signed_in]}
    # gunicorn writes a request's line just after sending its answer, and another worker's
    # line may come first: each line is its answer's by the request id.
    wait_for(lambda: len(server.answered(request_ids)) >= len(request_ids), "every line", 10)
    lines = server.answered(request_ids)
    assert len(lines) == len(request_ids), "a request left more than one access line"
    by_id = {line["request_id"]: line for line in lines}
    for path, answer in zip(paths, answers, strict=True):
        line = by_id[answer.headers["x-request-id"]]
        assert line["path"] == path
        assert line["status"] == answer.status
        assert line["logger"] == "gunicorn.access"
        assert line["level"] == "INFO"
        assert line["time"]
        assert line["duration_ms"] >= 0
        assert line["message"] == f"GET {path} {answer.status}"
        assert line["queries"] == 0
        assert line["user_id"] is None
        assert line["trace_id"] is None  # tracing is off
    assert answers[-1].status == 404
    line = by_id[signed_in.headers["x-request-id"]]
    assert line["queries"] > 0
    assert line["user_id"] == signed_in.body["id"]
    # The service wrote no line of its own for any of them.
    assert not any(request_id in server.log() for request_id in request_ids)
