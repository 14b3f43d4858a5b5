"""The OpenAPI document: served, valid, complete, and the committed copy is current."""

import json
from pathlib import Path

from openapi_spec_validator import validate

from ..support import ROOT

COMMITTED = ROOT / "docs" / "openapi.json"


def test_the_document_is_served_and_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_swagger_ui_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger-ui" in response.data


def test_every_api_route_is_in_the_document(app, client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    documented = {
        (path, method.upper()) for path, operations in paths.items() for method in operations
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.replace("<id:", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {rule.rule} is not documented"


def test_the_committed_document_is_current(runner, tmp_path: Path):
    written = tmp_path / "openapi.json"
    result = runner.invoke(args=["openapi", "write", str(written)])
    assert result.exit_code == 0, result.output
    stale = "docs/openapi.json is stale: run `make openapi`"
    assert json.loads(COMMITTED.read_text()) == json.loads(written.read_text()), stale


def test_statuses_have_their_rfc_9110_names_on_every_python(client):
    # Python 3.13 renamed HTTPStatus(422) and three others; the document must not follow
    # the Python that serves or writes it.
    text = client.get("/api/openapi.json").get_data(as_text=True)
    document = json.loads(text)
    assert document["components"]["responses"]["UNPROCESSABLE_CONTENT"]["description"] == (
        "Unprocessable Content"
    )
    assert "#/components/responses/UNPROCESSABLE_CONTENT" in text
    assert "UNPROCESSABLE_ENTITY" not in text
