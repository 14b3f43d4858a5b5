"""`make loadtest`: locust against the service, and the numbers to compare between releases.

With LOADTEST_HOST set, it loads that server. Without, it serves the service itself as
the image does (gunicorn with the production settings) on a free port, against
LOADTEST_DATABASE_URL or else the development database, migrated first. docs/operations.md
("Load tests") lists the settings and says how to read the summary.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from dotenv import dotenv_values
from flask import Config as Settings

from my_service.config import DevelopmentConfig, resolve_database_url
from my_service.settings import ConfigurationError

PROJECT = Path(__file__).resolve().parents[1]
# The simulated users, and the summary printed at the end.
LOCUSTFILES = ",".join(str(PROJECT / "loadtest" / name) for name in ("locustfile.py", "summary.py"))
# Production refuses .env's development secrets, and the run needs none of the real ones.
FRESH_SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN")
ACCOUNT = "loadtest@example.com"


def main() -> int:
    """Run the load test and print its summary; non-zero when a request failed."""
    dotenv = {name: value for name, value in dotenv_values(PROJECT / ".env").items() if value}
    env = {**dotenv, **os.environ}
    if env.get("LOADTEST_HOST"):
        return load(env["LOADTEST_HOST"], env)
    try:
        database = env.get("LOADTEST_DATABASE_URL") or development_database(env)
    except ConfigurationError as error:
        sys.exit(f"{error} (or set LOADTEST_DATABASE_URL)")
    with served(server_environment(env, database)) as (url, server_env):
        return load(url, {**env, **load_test_account(server_env)})


def development_database(env: Mapping[str, str]) -> str:
    """The database `make run` uses, starting the embedded server if that is the one."""
    settings = Settings(str(PROJECT))
    settings.from_object(DevelopmentConfig(env))
    return resolve_database_url(settings)


def server_environment(env: Mapping[str, str], database: str) -> dict[str, str]:
    """The production settings, on this database, with rate limits off."""
    return {
        **env,
        **{name: secrets.token_urlsafe(48) for name in FRESH_SECRETS},
        "APP_ENV": "production",
        "DATABASE_URL": database,
        # The limits would turn most of the load into 429s: it all comes from one address.
        "RATE_LIMITS": "false",
        "WEB_CONCURRENCY": env.get("LOADTEST_WORKERS", "4"),
        "METRICS_PORT": str(free_port()),
    }


@contextlib.contextmanager
def served(env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """The service, migrated and under gunicorn on a free port: its URL and environment."""
    flask(env, "db", "upgrade")
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    app = "my_service:create_app()"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", server, log)
            yield f"http://127.0.0.1:{port}", env
        finally:
            stop(server)


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn: its workers finish their requests first, unless they take too long."""
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def flask(env: Mapping[str, str], *arguments: str, stdin: str | None = None) -> None:
    """Run a `flask` command of the service, stopping the load test if it fails."""
    command = [sys.executable, "-m", "flask", *arguments]
    done = subprocess.run(
        command, cwd=PROJECT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"`flask {' '.join(arguments)}` failed:\n{done.stdout}{done.stderr}")


def load_test_account(env: Mapping[str, str]) -> dict[str, str]:
    """An administrator to sign in as, with a new random password: the variables for locust."""
    password = secrets.token_urlsafe(24)
    flask(env, "users", "create-admin", ACCOUNT, "--name", "Load test", stdin=password)
    return {"LOADTEST_EMAIL": ACCOUNT, "LOADTEST_PASSWORD": password}


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(
    url: str, server: subprocess.Popen, log: IO[bytes], seconds: float = 60
) -> None:
    """Poll the readiness check until it answers; stop with the server's log if it never does."""
    deadline = time.monotonic() + seconds
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    sys.exit(f"The service did not start:\n{log.read().decode(errors='replace')[-3000:]}")


def load(host: str, env: Mapping[str, str]) -> int:
    """Run locust headless against `host`; its exit status, non-zero when a request failed."""
    users = env.get("LOADTEST_USERS", "20")
    command = [sys.executable, "-m", "locust", "--locustfile", LOCUSTFILES, "--headless"]
    command += ["--host", host, "--users", users, "--spawn-rate", users]
    command += ["--run-time", env.get("LOADTEST_TIME", "30s"), "--stop-timeout", "5"]
    command += ["--only-summary", "--exit-code-on-error", "1"]
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
