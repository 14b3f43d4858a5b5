"""The post-copy task: .env with a fresh secret, and a git repository with main and develop."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import GIT_IDENTITY, ROOT, run
from tools.rendering import render

HOOK = ROOT / "hooks" / "init_project.py"


def run_hook(project: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HOOK), str(project)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal generated project outside any git repository."""
    project = tmp_path / "service"
    project.mkdir()
    (project / ".env.example").write_text("APP_ENV=development\nSECRET_KEY=change-me\n")
    (project / ".gitignore").write_text(".env\n")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "service"\nauthors = [{ name = "Owner", email = "owner@example.com" }]\n'
    )
    return project


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def test_env_file_gets_a_fresh_secret_key(project, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for name in (".env.example", ".gitignore", "pyproject.toml"):
        (other / name).write_text((project / name).read_text())
    assert run_hook(project).returncode == 0
    assert run_hook(other).returncode == 0
    keys = [
        line.split("=", 1)[1]
        for folder in (project, other)
        for line in (folder / ".env").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    ]
    assert len(keys) == 2 and keys[0] != keys[1] and "change-me" not in keys
    assert len(keys[0]) >= 40
    assert "APP_ENV=development" in (project / ".env").read_text()
    assert (project / ".env").stat().st_mode & 0o077 == 0


def test_existing_env_file_is_never_overwritten(project):
    (project / ".env").write_text("SECRET_KEY=mine\n")
    result = run_hook(project)
    assert result.returncode == 0
    assert (project / ".env").read_text() == "SECRET_KEY=mine\n"
    assert ".env exists: left as it is" in result.stdout


def test_repository_is_created_with_main_and_develop_and_one_commit(project):
    assert run_hook(project).returncode == 0
    assert git(project, "branch", "--show-current").strip() == "main"
    assert sorted(git(project, "branch", "--format=%(refname:short)").split()) == [
        "develop",
        "main",
    ]
    assert len(git(project, "log", "--oneline").splitlines()) == 1
    tracked = git(project, "ls-files").split()
    assert ".env.example" in tracked and ".env" not in tracked


def test_no_repository_is_made_inside_an_existing_one(tmp_path, project):
    git(tmp_path, "init", "--quiet")
    result = run_hook(project)
    assert result.returncode == 0
    assert "already inside a git repository" in result.stdout
    assert not (project / ".git").exists()


def test_the_project_author_commits_when_git_has_no_identity(project, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = run_hook(
        project, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null"
    )
    assert result.returncode == 0, result.stderr
    assert git(project, "log", "--format=%an <%ae>").strip() == "Owner <owner@example.com>"


def test_a_second_run_changes_nothing(project):
    assert run_hook(project).returncode == 0
    env_before = (project / ".env").read_text()
    result = run_hook(project)
    assert result.returncode == 0
    assert (project / ".env").read_text() == env_before
    assert len(git(project, "log", "--oneline").splitlines()) == 1


def test_make_init_does_the_copy_tasks_for_a_project_rendered_without_them(template, tmp_path):
    project = render(template, tmp_path / "skipped", {})
    assert not (project / ".env").exists() and not (project / ".git").exists()
    run(["make", "init"], project, {**os.environ, **GIT_IDENTITY})
    assert (project / ".env").exists()
    assert git(project, "branch", "--show-current").strip() == "main"
    assert (project / "scripts" / "init_project.py").read_text() == HOOK.read_text()
