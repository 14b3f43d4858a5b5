"""Create and drop whole databases, through the server's maintenance database."""

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
