"""`make release` cuts a template release: it checks, dates the changelog, commits and tags."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import GIT_IDENTITY, ROOT, git

NOTE = "- A change worth releasing.\n"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository with the release tool, a changelog with one release and unreleased notes."""
    clone = tmp_path / "template"
    (clone / "tools").mkdir(parents=True)
    shutil.copy2(ROOT / "tools" / "release.py", clone / "tools" / "release.py")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    head, _, rest = changelog.partition("## Unreleased\n")
    released = rest[rest.index("\n## ") + 1 :]  # whatever the real notes say, only NOTE here
    (clone / "CHANGELOG.md").write_text(f"{head}## Unreleased\n\n{NOTE}\n{released}")
    git(clone, "init", "--quiet", "--initial-branch", "main")
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "--message", "Work")
    return clone


def release(repository: Path, version: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(repository / "tools" / "release.py"), version],
        cwd=repository,
        env={**GIT_IDENTITY, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def newest() -> str:
    return re.search(r"^## (\d\S*) — ", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)[1]


def test_a_release_dates_the_notes_and_tags_the_commit(repository):
    version = f"{newest()}.post9"
    result = release(repository, version)
    assert result.returncode == 0, result.stderr
    assert git(repository, "tag").split() == [f"v{version}"]
    changelog = (repository / "CHANGELOG.md").read_text()
    unreleased, _, rest = changelog.partition("## Unreleased\n")[2].partition(f"## {version} — ")
    assert unreleased.strip() == ""
    assert rest.split("\n", 1)[1].strip().startswith(NOTE.strip())
    assert git(repository, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("version", "dirty", "message"),
    [
        ("0.3.0", True, "uncommitted changes"),
        ("0.0.1", False, "is not newer than"),
        ("three", False, "is not a PEP 440 version"),
    ],
)
def test_a_release_is_refused_with_the_reason(repository, version, dirty, message):
    if dirty:
        (repository / "stray.txt").write_text("not committed\n")
    result = release(repository, version)
    assert result.returncode == 1
    assert message in result.stderr
    assert git(repository, "tag") == ""


def test_a_release_without_notes_is_refused(repository):
    changelog = repository / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace(NOTE, ""))
    git(repository, "commit", "--quiet", "--all", "--message", "No notes")
    result = release(repository, "9.0.0")
    assert result.returncode == 1
    assert "the Unreleased section of CHANGELOG.md is empty" in result.stderr
