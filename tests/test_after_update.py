"""The after-update step: one Alembic head again, conflicts named, derived files rebuilt."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

HOOK = ROOT / "hooks" / "after_update.py"
REVISION = '''"""{name}"""

revision = "{revision}"
down_revision = {down}
branch_labels = None
depends_on = None
'''


def write_revision(versions: Path, revision: str, down: str | tuple | None) -> None:
    (versions / f"2026_{revision}.py").write_text(
        REVISION.format(name=revision, revision=revision, down=repr(down))
    )


def run_hook(project: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HOOK)],
        cwd=project,
        env={**os.environ, "VENV": str(project / "no-venv"), **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose template and team revisions both follow 0002."""
    versions = tmp_path / "src" / "service" / "migrations" / "versions"
    versions.mkdir(parents=True)
    write_revision(versions, "0001", None)
    write_revision(versions, "0002", "0001")
    write_revision(versions, "0003", "0002")  # the template's, brought by the update
    write_revision(versions, "a1b2c3d4e5f6", "0002")  # the team's own
    return tmp_path


def heads(versions: Path) -> set[str]:
    links = {}
    for path in versions.glob("*.py"):
        values = {
            node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.Assign) and node.targets[0].id in {"revision", "down_revision"}
        }
        down = values["down_revision"]
        links[values["revision"]] = {down} if isinstance(down, str) else set(down or ())
    return set(links) - set().union(*links.values())


def test_two_heads_are_joined_by_a_merge_revision_that_lints_clean(project):
    versions = project / "src" / "service" / "migrations" / "versions"
    team = (versions / "2026_a1b2c3d4e5f6.py").read_text()
    result = run_hook(project)
    assert result.returncode == 0, result.stderr
    assert "heads 0003, a1b2c3d4e5f6 merged by" in result.stdout
    [merge] = versions.glob("*_merge_the_templates_and_the_projects_heads.py")
    assert heads(versions) == {merge.name.split("_")[1]}
    assert (versions / "2026_a1b2c3d4e5f6.py").read_text() == team
    for tool in (["black", "--check", "--quiet"], ["ruff", "check", "--quiet"]):
        subprocess.run([sys.executable, "-m", *tool, str(merge)], check=True)


def test_one_head_is_left_alone(project):
    run_hook(project)
    again = run_hook(project)
    assert "one head, nothing to merge" in again.stdout
    versions = project / "src" / "service" / "migrations" / "versions"
    assert len(list(versions.glob("*_merge_*.py"))) == 1


def test_conflicts_in_code_stop_the_rebuild_and_are_named(project):
    (project / "src" / "service" / "config.py").write_text("<<<<<<< before\nA = 1\n=======\n")
    (project / "README.md").write_text("<<<<<<< before\nours\n=======\ntheirs\n>>>>>>> after\n")
    result = run_hook(project)
    assert result.returncode == 0
    assert "src/service/config.py" in result.stdout and "README.md" in result.stdout
    assert "Resolve the conflicts above, then run `make after-update`." in result.stdout


def test_without_a_virtual_environment_it_says_what_to_run(project):
    result = run_hook(project)
    assert "No virtual environment yet: run `make install after-update`." in result.stdout


def test_the_project_runs_the_very_same_file(variant):
    project = variant("default")
    assert (project / "scripts" / "after_update.py").read_text() == HOOK.read_text()
    assert "after-update:" in (project / "Makefile").read_text()


def test_a_derived_file_that_cannot_be_rebuilt_does_not_fail_the_update(project):
    venv = project / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (project / "Makefile").write_text(
        "lock install openapi:\n\t@echo $@ done\nerd:\n\t@echo the server did not start; exit 1\n"
    )
    result = run_hook(project, VENV=str(venv))
    assert result.returncode == 0, result.stdout
    assert "openapi done" in result.stdout
    assert "Could not regenerate the schema diagram: run `make erd` later" in result.stdout
