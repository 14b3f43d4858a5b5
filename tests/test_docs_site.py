"""The generated project's docs/ builds as a strict MkDocs site that shows the whole API
reference and links no script or stylesheet of another host."""

import html
import json
import re
from pathlib import Path

import pytest

from tests.support import BIN, run

pytestmark = pytest.mark.slow

# A script or stylesheet (any <script src> or <link href>) fetched from another host.
EXTERNAL_ASSET = re.compile(
    r"<script\b[^>]*\bsrc=\"(?:https?:)?//[^\"]*\"|<link\b[^>]*\bhref=\"(?:https?:)?//[^\"]*\"",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module", params=["default", "minimal"])
def site(request, variant, tmp_path_factory) -> tuple[Path, Path]:
    """A named variant and its documentation site, built with `mkdocs build --strict`."""
    project = variant(request.param)
    built = tmp_path_factory.mktemp(f"site-{request.param}")
    # --site-dir keeps the build out of the rendered project the other tests share.
    run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(built)], cwd=project)
    return project, built


def page_text(page: Path) -> str:
    """A built page's text, without its markup."""
    return html.unescape(TAG.sub("", page.read_text()))


def test_the_api_reference_shows_every_path_of_the_openapi_document(site):
    project, built = site
    paths = json.loads((project / "docs" / "openapi.json").read_text())["paths"]
    text = page_text(built / "api-reference" / "index.html")
    assert paths
    assert [path for path in paths if path not in text] == []


def test_the_schema_diagram_becomes_a_mermaid_diagram(site):
    # Material's own script fetches mermaid.js from unpkg.com for such a page, on view:
    # the one thing a page loads from another host, and only this page.
    _, built = site
    assert '<pre class="mermaid">' in (built / "erd" / "index.html").read_text()


def test_every_docs_page_is_a_page_of_the_site(site):
    project, built = site
    sources = {"." if page.stem == "index" else page.stem for page in project.glob("docs/*.md")}
    pages = {page.parent.relative_to(built).as_posix() for page in built.rglob("index.html")}
    assert len(sources) > 10
    assert sources - pages == set()


def test_no_page_loads_a_script_or_stylesheet_from_another_host(site):
    _, built = site
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 10
    found = {
        page.relative_to(built).as_posix(): EXTERNAL_ASSET.findall(page.read_text())
        for page in pages
    }
    assert {page: assets for page, assets in found.items() if assets} == {}
