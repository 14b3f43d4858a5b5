"""Bring a project up to date after `copier update`: one Alembic head, regenerated artefacts.

Copier runs this after every update (the last `_migrations` step of the template);
`make after-update` runs the same file by hand. Standard library only: it may run
before the project's dependencies are installed.

1. The template's migrations and the team's live in one `versions/` folder. When an
   update brings a template revision while the team has revisions of its own, Alembic
   sees two heads and `flask db upgrade` stops; a merge revision (no schema change)
   joins them again. The team's revisions are never touched.
2. Python files or pyproject.toml that still hold conflict markers stop the rest: the
   steps below need the code to import and the dependencies to parse.
3. With the virtual environment installed, the files derived from the project's own
   code are rebuilt rather than merged: the pins (`make lock`, keeping the team's pins
   where the ranges allow), the environment (`make install`), the schema diagram and
   the OpenAPI document (`make erd openapi`). A derived file that cannot be rebuilt
   does not fail the update: it is named, with the command to run later.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

DERIVED = {"erd": "the schema diagram", "openapi": "the OpenAPI document"}
MERGE_SLUG = "merge_the_templates_and_the_projects_heads"
MERGE_REVISION = '''"""Merge the template's migrations with the project's (after copier update)

Revision ID: {revision}
Revises: {revises}
Create Date: {created}
"""

revision = "{revision}"
down_revision = ({down_revision})
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''
CONFLICT = "<<<<<<< "
BLOCKING = (".py", "pyproject.toml")


def revision_links(path: Path) -> tuple[str, set[str]]:
    """A revision file's id and the ids it revises."""
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
                values[target.id] = ast.literal_eval(node.value)
    down = values.get("down_revision")
    revises = set() if down is None else {down} if isinstance(down, str) else set(down)
    return values["revision"], revises


def heads(versions: Path) -> list[str]:
    """The revisions no other revision revises."""
    links = dict(revision_links(path) for path in versions.glob("*.py"))
    revised = set().union(*links.values()) if links else set()
    return sorted(set(links) - revised)


def merge_heads(versions: Path) -> str:
    """Join several heads with a merge revision; say what was done."""
    found = heads(versions)
    if len(found) <= 1:
        return "Migrations: one head, nothing to merge."
    revision, now = uuid.uuid4().hex[-12:], datetime.now()
    path = versions / f"{now:%Y%m%d}_{revision}_{MERGE_SLUG}.py"
    path.write_text(
        MERGE_REVISION.format(
            revision=revision,
            revises=", ".join(found),
            created=now,
            down_revision=", ".join(f'"{head}"' for head in found),
        ),
        encoding="utf-8",
    )
    return f"Migrations: heads {', '.join(found)} merged by {path}."


def changed_files(project: Path) -> list[Path]:
    """Files the update changed or added, by git (every file outside a repository)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--modified", "--others", "--exclude-standard"],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return [path for path in project.rglob("*") if path.is_file()]
    return [project / name for name in listed if (project / name).is_file()]


def conflicted(project: Path) -> list[Path]:
    """Files holding conflict markers, and leftover .rej files."""
    found = []
    for path in changed_files(project):
        if path.suffix == ".rej":
            found.append(path)
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        if any(line.startswith(CONFLICT) for line in lines):
            found.append(path)
    return found


def main() -> int:
    """Run the steps above in the project folder; say what was done and what is left."""
    project = Path.cwd()
    for versions in sorted(project.glob("src/*/migrations/versions")):
        print(merge_heads(versions))
    conflicts = [path.relative_to(project) for path in conflicted(project)]
    blocking = [path for path in conflicts if str(path).endswith(BLOCKING)]
    if conflicts:
        print("Conflicts to resolve:", *conflicts, sep="\n  ")
    if blocking:
        print("Resolve the conflicts above, then run `make after-update`.")
        return 0
    venv = Path(os.environ.get("VENV", ".venv"))
    if not (venv / "bin" / "python").exists():
        print("No virtual environment yet: run `make install after-update`.")
        return 0
    print("Rebuilding what derives from the project's code: make lock install")
    if subprocess.run(["make", "lock", "install"], cwd=project, check=False).returncode != 0:
        print("That failed: fix what it says, then run `make after-update`.")
        return 1
    # The diagram and the document only describe the code: one that cannot be drawn now
    # (a busy machine, a database server that will not start) must not fail the update.
    left = [step for step in DERIVED if not rebuilt(project, step)]
    for step in left:
        print(f"Could not regenerate {DERIVED[step]}: run `make {step}` later, then commit it.")
    print("Done. Review `git diff`, run `make test`, then commit.")
    return 0


def rebuilt(project: Path, step: str) -> bool:
    """Run `make <step>`; whether it succeeded."""
    print(f"Regenerating {DERIVED[step]}: make {step}")
    return subprocess.run(["make", step], cwd=project, check=False).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
