"""The load test calls paths the API has: a renamed route fails here, not halfway into a
load test."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAMETER = re.compile(r"\{[^}]*\}")


def shape(path: str) -> str:
    """A path with its parameters' names left out: /api/v1/users/{}."""
    return PARAMETER.sub("{}", path)


def test_every_path_the_load_test_calls_is_in_the_openapi_document():
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    known = {shape(path) for path in document["paths"]}
    called = {
        shape(path)
        for source in (ROOT / "loadtest").glob("*.py")
        for path in re.findall(r'"(/api/[^"?]*)"', source.read_text())
    }
    assert called, "no /api/ path found in loadtest/"
    assert called <= known, f"not in docs/openapi.json: {sorted(called - known)}"
