"""Helpers of the meta test suite: rendering, running commands, the named variants."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PARTS = ("copier.yml", "template", "hooks", "includes", "extensions")
BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Meta Suite",
    "GIT_AUTHOR_EMAIL": "meta@example.com",
    "GIT_COMMITTER_NAME": "Meta Suite",
    "GIT_COMMITTER_EMAIL": "meta@example.com",
}

# The named variants: each is rendered, linted and runs its own test suite.
VARIANTS: dict[str, dict] = {
    "default": {},
    "minimal": {
        "project_name": "Minimal Service",
        "example_domain": False,
        "cache_backend": "none",
        "ci": "none",
        "docker": False,
        "embedded_postgres": False,
        "auth": "none",
    },
    "alt": {
        "project_name": "Alt Service",
        "db_driver": "psycopg",
        "cache_backend": "redis",
        "python_version": "3.13",
        "postgres_version": 14,
        "auth": "oidc",
    },
}


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and return its output."""
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def snapshot_template(destination: Path) -> Path:
    """Copy the template as it is in the working tree into a one-commit git repository.

    Rendering from a snapshot tests uncommitted changes without Copier's
    dirty-repository warning, and gives the update test a history to extend.
    """
    destination.mkdir(parents=True, exist_ok=True)
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / part)
    git(destination, "init", "--quiet", "--initial-branch", "main")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--message", "Template snapshot")
    return destination


# Fresh for each process of a run: two runs against one TEST_DATABASE_URL (two checkouts,
# two CI jobs on one server) never drop each other's databases.
RUN = uuid.uuid4().hex[:6]


def worker_name(name: str) -> str:
    """`name` made unique to this pytest-xdist worker of this run, so no other process uses it."""
    return f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{RUN}"


def on_server(*statements: str) -> None:
    """Run statements outside a transaction on the test server's maintenance database."""
    url = make_url(SERVER_URL).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def fresh_database(name: str, driver: str) -> str:
    """An empty database named after `name` (one per worker and run) on the test server, dropped
    when the process ends; its URL."""
    name = worker_name(name)
    url = make_url(SERVER_URL)
    on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    atexit.register(on_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url.set(drivername=f"postgresql+{driver}", database=name).render_as_string(
        hide_password=False
    )


def project_env(project: Path, database: str, driver: str) -> dict[str, str]:
    """Environment for running a rendered project's tools from this suite's virtualenv."""
    url = make_url(SERVER_URL).set(
        drivername=f"postgresql+{driver}", database=worker_name(database)
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"APP_ENV", "DATABASE_URL", "SECRET_KEY", "PYTHONPATH"}
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTEST_DEBUG_TEMPROOT=inner_temp_root(project),
        PYTHONPATH=str(project / "src"),
        TEST_DATABASE_URL=url.render_as_string(hide_password=False),
        **GIT_IDENTITY,
    )
    return env


def inner_temp_root(project: Path) -> str:
    """A temp root for a rendered project's own pytest runs.

    Each pytest session prunes old numbered folders under its temp root; sharing
    the meta suite's would let an inner run delete folders the meta suite is
    still using (the embedded server's socket among them).
    """
    root = project.parent / "pytest-temp"
    root.mkdir(exist_ok=True)
    return str(root)


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    """Run a command, failing the test with its output when it fails or outlives `timeout`.

    The command runs in a process group of its own, so that a timeout stops what it started
    as well (gunicorn masters and their workers, test servers), not only the command.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # a detached grandchild still holds the pipes
            process.kill()
            stdout, stderr = "", ""
        raise AssertionError(
            f"{' '.join(command)} did not finish within {timeout}s in {cwd}; it and what it "
            f"started were stopped\n--- stdout\n{stdout[-6000:]}\n--- stderr\n{stderr[-6000:]}"
        ) from None
    assert process.returncode == 0, (
        f"{' '.join(command)} failed ({process.returncode}) in {cwd}\n"
        f"--- stdout\n{stdout[-6000:]}\n--- stderr\n{stderr[-6000:]}"
    )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def newest_revision(versions: Path) -> str:
    """The head of a rendered project's revisions: the one no other revision revises."""
    sources = [path.read_text() for path in versions.glob("*.py")]
    revisions = {re.search(r'^revision = "(\w+)"', text, re.M)[1] for text in sources}
    revised = {m for text in sources for m in re.findall(r'^down_revision = "(\w+)"', text, re.M)}
    [newest] = revisions - revised
    return newest


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll `url` until it answers, failing at once if the server process has died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds}s")


# Which answers change what each topology test file exercises. The default variant runs them
# all; another variant runs only those its answers change, the rest being the same code under
# the same processes. A new file under template/tests/topology must be added here.
TOPOLOGY_ANSWERS: dict[str, set[str]] = {
    "test_cache_coherence.py": {"cache_backend", "auth"},
    "test_concurrent_index_migrated_once.py": {"db_driver"},
    "test_conditional_requests.py": {"cache_backend", "auth"},
    "test_metrics_across_workers.py": set(),
    "test_migration_under_load.py": {"db_driver", "example_domain"},
    "test_migrations_at_once.py": {"example_domain", "db_driver"},
    "test_outages.py": {"db_driver", "cache_backend", "auth"},
    "test_pgbouncer.py": {"db_driver", "auth"},
    "test_provider_keys_under_load.py": {"auth"},
    "test_redis_outage.py": {"cache_backend"},
    "test_served_as_in_the_image.py": {"auth"},
    "test_statement_stats.py": {"db_driver"},
    "test_traces_across_workers.py": {"db_driver", "auth"},
}


def topology_tests(name: str, project: Path) -> list[str]:
    """The rendered topology test files the named variant runs (see TOPOLOGY_ANSWERS)."""
    files = sorted(path.name for path in (project / "tests" / "topology").glob("test_*.py"))
    unmapped = set(files) - set(TOPOLOGY_ANSWERS)
    assert not unmapped, f"add {sorted(unmapped)} to TOPOLOGY_ANSWERS in tests/support.py"
    changed = set(VARIANTS[name])
    return [
        f"tests/topology/{file}"
        for file in files
        if not changed or TOPOLOGY_ANSWERS[file] & changed
    ]
