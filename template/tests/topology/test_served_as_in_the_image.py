"""gunicorn with the project's gunicorn.conf.py, as the image runs it: one JSON access line
per request, in the fields of the service's own logs, with the request id it answered."""

import pytest

from .load import call
from .processes import wait_for

pytestmark = pytest.mark.topology


def test_each_request_leaves_one_json_access_line_with_its_request_id(serve, service_database):
    server = serve(service_database, workers=2)
    answers = [call(server.url, "GET", f"/health/live?n={n}") for n in range(4)]
    answers.append(call(server.url, "GET", "/api/v1/nothing-here"))
    # gunicorn writes a request's line just after sending its answer.
    wait_for(lambda: len(server.access_log()) >= len(answers), "every access line", 10)
    lines = server.access_log()
    assert len(lines) == len(answers)
    for answer, line in zip(answers, lines, strict=True):
        assert line["request_id"] == answer.headers["x-request-id"]
        assert line["status"] == answer.status
        assert line["logger"] == "gunicorn.access"
        assert line["level"] == "INFO"
        assert line["time"]
        assert line["duration_ms"] >= 0
        assert line["message"] == f"GET {line['path']} {answer.status}"
    assert [line["path"] for line in lines][-1] == "/api/v1/nothing-here"
    assert lines[0]["path"] == "/health/live?n=0"
