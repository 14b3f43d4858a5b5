"""Prepare a freshly generated project: a .env with fresh secrets and a git repository.

Copier runs this after `copier copy` (as the project's scripts/init_project.py);
`make init` runs the same file for projects rendered with --skip-tasks.
Standard library only: it runs before the project's dependencies are installed.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

BRANCHES = ("main", "develop")
# Settings of .env.example that get a fresh random value (URL-safe, so a password fits a URL).
SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "POSTGRES_PASSWORD")
COMMIT_MESSAGE = "Initial commit from the Flask + PostgreSQL service template"


def write_env_file(project: Path) -> str:
    """Create .env from .env.example with fresh secrets; never overwrite one."""
    env_file = project / ".env"
    example = project / ".env.example"
    if env_file.exists():
        return ".env exists: left as it is"
    if not example.exists():
        return ".env.example is missing: no .env written"
    lines, fresh = [], []
    for line in example.read_text(encoding="utf-8").splitlines():
        name = line.partition("=")[0]
        if name in SECRETS:
            fresh.append(name)
        lines.append(f"{name}={secrets.token_urlsafe(48)}" if name in SECRETS else line)
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)
    return f".env written with a fresh {', '.join(fresh) or 'nothing'}"


def git(
    project: Path, *args: str, identity: list[str] | None = None
) -> subprocess.CompletedProcess:
    """Run one git command in the project folder and capture its output."""
    return subprocess.run(
        ["git", *(identity or []), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def commit_identity(project: Path) -> list[str]:
    """Fall back on the project's author when git has no user configured."""
    if git(project, "config", "user.email").returncode == 0:
        return []
    with (project / "pyproject.toml").open("rb") as handle:
        author = tomllib.load(handle)["project"]["authors"][0]
    return ["-c", f"user.name={author['name']}", "-c", f"user.email={author['email']}"]


def init_git_repository(project: Path) -> str:
    """Create the repository with main and develop and commit the generated files."""
    if shutil.which("git") is None:
        return "git is not installed: no repository created"
    if git(project, "rev-parse", "--is-inside-work-tree").returncode == 0:
        return "already inside a git repository: no repository created"
    steps = [
        ("init", "--quiet", "--initial-branch", BRANCHES[0]),
        ("add", "--all"),
        ("commit", "--quiet", "--message", COMMIT_MESSAGE),
        ("branch", BRANCHES[1]),
    ]
    identity = commit_identity(project)
    for step in steps:
        result = git(project, *step, identity=identity)
        if result.returncode != 0:
            raise RuntimeError(f"git {step[0]} failed: {result.stderr.strip()}")
    return f"git repository created with branches {' and '.join(BRANCHES)}"


def main(argv: list[str] | None = None) -> int:
    """Run both steps and report what each did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=".", type=Path)
    project = parser.parse_args(argv).project.resolve()
    try:
        for report in (write_env_file(project), init_git_repository(project)):
            print(f"init: {report}")
    except RuntimeError as error:
        print(f"init: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
