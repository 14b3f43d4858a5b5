"""Fixtures for migration tests: an empty database per worker and the app bound to it."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from my_service import MIGRATIONS, create_app
from my_service.database import admin
from my_service.extensions import db

from ..support import config_for


@pytest.fixture
def empty_database_url(database_url: URL) -> Iterator[URL]:
    """A database with nothing in it, next to this worker's test database."""
    url = database_url.set(database=f"{database_url.database}_migrations")
    admin.drop_database(url)
    admin.create_database(url)
    yield url
    admin.drop_database(url)


@pytest.fixture
def alembic_config() -> dict:
    """Where pytest-alembic finds the migrations."""
    return {"script_location": str(MIGRATIONS)}


@pytest.fixture
def alembic_engine(empty_database_url: URL) -> Iterator[Engine]:
    """The engine pytest-alembic migrates, with the app (which env.py reads) bound to it."""
    app = create_app(config_for(empty_database_url))
    engine = create_engine(empty_database_url)
    with app.app_context():
        yield engine
        db.engine.dispose()
    engine.dispose()
