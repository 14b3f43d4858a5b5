"""`flask dbtools stats` on a server that loads pg_stat_statements, as production's should."""

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from my_service.database import admin

from .conftest import migrated, require, service_env
from .processes import ThrowawayPostgres, postgres_program

pytestmark = pytest.mark.topology


def stats(database_url: str) -> subprocess.CompletedProcess:
    """`flask dbtools stats`, as an operator runs it against the database."""
    command = [sys.executable, "-m", "flask", "--app", "my_service", "dbtools", "stats"]
    return subprocess.run(
        command, env=service_env(database_url), capture_output=True, text=True, check=False
    )


def test_stats_lists_the_slowest_statements_once_the_extension_exists():
    try:
        postgres_program("pg_ctl", library="pg_stat_statements")
    except FileNotFoundError:
        require(False, "a PostgreSQL server with pg_stat_statements (postgresql-contrib)")
    server = ThrowawayPostgres(preload="pg_stat_statements")
    try:
        server.start()
        url = make_url(server.url("service"))
        admin.create_database(url)
        migrated(url)
        missing = stats(str(url))
        assert missing.returncode == 1
        assert "CREATE EXTENSION pg_stat_statements" in missing.stderr
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("CREATE EXTENSION pg_stat_statements"))
            for _ in range(5):
                connection.execute(text("SELECT pg_sleep(0.05)"))
        engine.dispose()
        listed = stats(str(url))
        assert listed.returncode == 0, listed.stderr
        # Its row, wherever it ranks: one stall elsewhere may outrank it by mean.
        [sleeps] = [line for line in listed.stdout.splitlines() if "pg_sleep" in line]
        assert " 5 calls" in sleeps
        assert float(sleeps.split()[0]) >= 50  # ms, the mean of five 50 ms sleeps
    finally:
        server.close()
