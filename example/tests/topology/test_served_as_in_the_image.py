"""gunicorn with the project's gunicorn.conf.py, as the image runs it: one JSON access line
per request, in the fields of the service's own logs, with the request id it answered."""

import pytest

from .load import call
from .processes import wait_for

pytestmark = pytest.mark.topology


def test_each_request_leaves_one_json_access_line_with_its_request_id(serve, service_database):
    server = serve(service_database, workers=2)
    paths = [f"/health/live?n={n}" for n in range(4)] + ["/api/v1/nothing-here"]
    answers = [call(server.url, "GET", path) for path in paths]
    # gunicorn writes a request's line just after sending its answer, and another worker's
    # line may come first: each line is its answer's by the request id.
    wait_for(lambda: len(server.access_log()) >= len(answers), "every access line", 10)
    lines = {line["request_id"]: line for line in server.access_log()}
    assert len(lines) == len(answers)
    for path, answer in zip(paths, answers, strict=True):
        line = lines[answer.headers["x-request-id"]]
        assert line["path"] == path
        assert line["status"] == answer.status
        assert line["logger"] == "gunicorn.access"
        assert line["level"] == "INFO"
        assert line["time"]
        assert line["duration_ms"] >= 0
        assert line["message"] == f"GET {path} {answer.status}"
    assert answers[-1].status == 404
