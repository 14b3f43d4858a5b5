"""A database that cannot be reached stops a command with one line naming the URL (without its
password), what failed and what to do: never a traceback."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from my_service.database.errors import connection_problem

from .support import ROOT

# Port 1 on the loopback address: nothing listens there, so connecting is refused at once.
REFUSED = "postgresql+psycopg2://app:s3cret@127.0.0.1:1/nowhere"
UNKNOWN_HOST = "postgresql+psycopg2://app:s3cret@no-such-host.invalid/nowhere"


def failure(url: URL | str) -> OperationalError:
    """The error a connection to `url` fails with."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{url} connected")


@pytest.mark.parametrize(
    ("url", "explanation"),
    [(REFUSED, "connection refused"), (UNKNOWN_HOST, "unknown host")],
)
def test_an_unreachable_server_is_explained(url: str, explanation: str):
    message = connection_problem(url, failure(url), "DATABASE_URL")
    assert explanation in message
    assert "s3cret" not in message
    assert make_url(url).render_as_string(hide_password=True) in message


@pytest.mark.parametrize(
    ("change", "explanation"),
    [
        ({"username": "no_such_role"}, "refused these credentials"),
        ({"database": "no_such_database"}, "the database does not exist"),
    ],
)
def test_a_refused_connection_is_explained(database_url: URL, change: dict, explanation: str):
    url = database_url.set(**change, password="s3cret")
    message = connection_problem(url, failure(url), "DATABASE_URL")
    assert explanation in message
    assert "s3cret" not in message
    assert url.render_as_string(hide_password=True) in message
    assert "\n" not in message


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run a command in the project root with `env` on top of this environment."""
    environment = {**os.environ, "PYTEST_ADDOPTS": "", **env}
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_flask_db_upgrade_with_the_server_down_prints_one_line():
    result = run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        APP_ENV="production",
        SECRET_KEY="kD8vJ2mQ9xL4tR7wZ1cF6hN3bV5yG0aE",
        JWT_SECRET_KEY="Ea0Gy5Vb3Nh6Fc1Zw7Rt4Lx9Qm2Jv8Dk",
        DATABASE_URL=REFUSED,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "127.0.0.1:1/nowhere (DATABASE_URL): connection refused" in line
    assert "s3cret" not in result.stderr


def test_the_test_suite_with_the_server_down_stops_with_one_line():
    result = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_config.py"],
        TEST_DATABASE_URL=REFUSED,
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stderr + result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "(TEST_DATABASE_URL): connection refused" in line
    assert "s3cret" not in line
