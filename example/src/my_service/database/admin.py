"""Create and drop whole databases, through the server's maintenance database."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError


def maintenance_url(url: str | URL) -> URL:
    """The same server, connected to the always-present `postgres` database."""
    return make_url(url).set(database="postgres")


def database_exists(url: str | URL) -> bool:
    """Whether the database named in `url` exists on its server."""
    url = make_url(url)
    engine = create_engine(maintenance_url(url))
    try:
        with engine.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            return connection.scalar(query, {"name": url.database}) is not None
    finally:
        engine.dispose()


def create_database(url: str | URL, template: str | None = None) -> None:
    """Create the database named in `url`, optionally as a copy of `template`."""
    url = make_url(url)
    statement = f'CREATE DATABASE "{url.database}"'
    if template:
        statement += f' TEMPLATE "{template}"'
    _run_outside_transaction(url, statement)


def ensure_database(url: str | URL) -> None:
    """Create the database named in `url` unless it exists, even with others racing to."""
    if database_exists(url):
        return
    try:
        create_database(url)
    except DatabaseError:
        # Another process (a second test worker, say) created it first.
        if not database_exists(url):
            raise


def drop_database(url: str | URL) -> None:
    """Drop the database named in `url`, closing other sessions on it first."""
    url = make_url(url)
    _run_outside_transaction(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _run_outside_transaction(url: URL, statement: str) -> None:
    """Run a statement PostgreSQL refuses inside a transaction block."""
    if '"' in (url.database or ""):
        raise ValueError(f"database name {url.database!r} contains a double quote")
    engine = create_engine(maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def advisory_lock(url: str | URL, key: int) -> Iterator[None]:
    """Hold a server-wide advisory lock (on the maintenance database) for the block."""
    engine = create_engine(maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


def database_comment(url: str | URL) -> str | None:
    """The comment on the database named in `url`, or None (also when it does not exist)."""
    url = make_url(url)
    engine = create_engine(maintenance_url(url))
    try:
        with engine.connect() as connection:
            query = text(
                "SELECT shobj_description(oid, 'pg_database') "
                "FROM pg_database WHERE datname = :name"
            )
            return connection.scalar(query, {"name": url.database})
    finally:
        engine.dispose()


def set_database_comment(url: str | URL, comment: str) -> None:
    """Label the database named in `url` (used to mark a test template as current)."""
    url = make_url(url)
    quoted = comment.replace("'", "''")
    _run_outside_transaction(url, f"COMMENT ON DATABASE \"{url.database}\" IS '{quoted}'")
