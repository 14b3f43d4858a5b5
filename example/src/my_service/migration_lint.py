"""`flask dbtools lint-migrations`: squawk over the SQL of each revision, one at a time.

Each revision's SQL is what `flask db upgrade --sql <previous>:<revision>` writes, so
squawk sees the statements a deploy would run, in the order it would run them. Rules
are set in `.squawk.toml`; a revision allows a rule for a statement with
`database.lint_allowances.allow(...)` and a reason.
"""

import io
import logging
import shutil
import subprocess  # nosec B404: runs the squawk binary installed with the project
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import flask_migrate
from alembic.script import Script, ScriptDirectory
from flask import current_app


def squawk_program() -> str:
    """The squawk binary of this environment (the squawk-cli package installs it)."""
    beside_python = Path(sys.executable).with_name("squawk")
    found = str(beside_python) if beside_python.exists() else shutil.which("squawk")
    if not found:
        raise FileNotFoundError("squawk is not installed: run `make install` (squawk-cli)")
    return found


def revisions(directory: str, paths: tuple[Path, ...] = ()) -> list[Script]:
    """The revisions to lint, oldest first: all of them, or those whose files are in `paths`."""
    scripts = list(reversed(list(ScriptDirectory(directory).walk_revisions())))
    if paths:
        wanted = {path.resolve() for path in paths}
        scripts = [script for script in scripts if Path(script.path).resolve() in wanted]
    # A merge revision only joins two lines of revisions; it has no SQL of its own.
    return [script for script in scripts if not isinstance(script.down_revision, tuple)]


def revision_sql(directory: str, script: Script) -> str:
    """The SQL that upgrading through `script` alone runs, as offline mode writes it."""
    span = f"{script.down_revision}:{script.revision}" if script.down_revision else script.revision
    output, alembic = io.StringIO(), logging.getLogger("alembic")
    level = alembic.level
    alembic.setLevel(logging.WARNING)  # not a line per revision about writing SQL
    try:
        with redirect_stdout(output):
            flask_migrate.upgrade(directory, span, sql=True)
    finally:
        alembic.setLevel(level)
    return output.getvalue()


def lint(paths: tuple[Path, ...] = ()) -> int:
    """Lint each revision's SQL with squawk; squawk's exit status (0: nothing found)."""
    directory = current_app.extensions["migrate"].directory
    scripts = revisions(directory, paths)
    if not scripts:
        return 0
    with tempfile.TemporaryDirectory(prefix="migration-sql-") as folder:
        files = []
        for script in scripts:
            sql_file = Path(folder) / f"{Path(script.path).stem}.sql"
            sql_file.write_text(revision_sql(directory, script))
            files.append(str(sql_file))
        command = [squawk_program(), "--reporter", "gcc", *files]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    print(result.stdout.replace(f"{folder}/", "migrations/versions/"), end="")
    print(result.stderr, end="", file=sys.stderr)
    return result.returncode
