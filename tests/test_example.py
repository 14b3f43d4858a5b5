"""example/ is the default variant exactly as the template renders it today."""

import pytest

from tests.support import ROOT
from tools.rendering import render

# Files the render makes that example/ keeps out of git, and the answers lines
# that name where and from which commit it was rendered.
IGNORED_PARTS = {".env", ".venv", "instance", "__pycache__", ".pytest_cache", ".ruff_cache"}
VOLATILE_ANSWERS = ("_commit:", "_src_path:")


def tree(root):
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not IGNORED_PARTS.intersection(relative.parts):
            text = path.read_text()
            if relative.name == ".copier-answers.yml":
                text = "\n".join(
                    line for line in text.splitlines() if not line.startswith(VOLATILE_ANSWERS)
                )
            files[str(relative)] = text
    return files


@pytest.fixture(scope="module")
def fresh(template, tmp_path_factory):
    return render(template, tmp_path_factory.mktemp("example") / "example", {})


def test_example_has_exactly_the_files_of_a_fresh_render(fresh):
    expected, actual = tree(fresh), tree(ROOT / "example")
    assert sorted(actual) == sorted(expected), "example/ drifted: run `make example`"


def test_example_files_match_a_fresh_render(fresh):
    expected, actual = tree(fresh), tree(ROOT / "example")
    drifted = sorted(name for name in expected if actual.get(name) != expected[name])
    assert not drifted, f"example/ drifted in {drifted}: run `make example`"
