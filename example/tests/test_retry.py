"""Transient failures (serialization, deadlock) are retried; others are not."""

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError

from my_service import create_app
from my_service.config import TestingConfig
from my_service.database.retry import is_transient, retry_transient
from my_service.extensions import db
from my_service.models import User

EMAIL = "retry@committed.test"


@pytest.fixture
def real_app(config: TestingConfig) -> Iterator[Flask]:
    """An app whose sessions really commit (outside the per-test transaction)."""
    app = create_app(config)
    with app.app_context():
        db.session.add(User(email=EMAIL, name="Before"))
        db.session.commit()
        yield app
        db.session.rollback()
        db.session.execute(text("DELETE FROM users WHERE email LIKE '%@committed.test'"))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def rival(database_url: URL) -> Iterator[Engine]:
    """A second client that commits between our read and our write."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def rename(rival: Engine, conflicts: int, attempts: list[int]) -> str:
    """Read, let a rival commit a change (the first `conflicts` times), then write."""
    attempts.append(len(attempts) + 1)
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    user = db.session.scalar(select(User).where(User.email == EMAIL))
    if len(attempts) <= conflicts:
        with rival.begin() as connection:
            connection.execute(update(User).where(User.email == EMAIL).values(name="Rival"))
    user.name = f"Mine after {len(attempts)}"
    db.session.commit()
    return user.name


def test_a_serialization_failure_is_retried_until_it_succeeds(real_app, rival):
    attempts: list[int] = []
    result = retry_transient(db.session, attempts=3)(rename)(rival, 1, attempts)
    assert attempts == [1, 2]
    assert result == "Mine after 2"
    assert db.session.scalar(select(User.name).where(User.email == EMAIL)) == "Mine after 2"


def test_retries_stop_after_the_limit_and_the_error_surfaces(real_app, rival):
    attempts: list[int] = []
    with pytest.raises(OperationalError) as raised:
        retry_transient(db.session, attempts=2)(rename)(rival, 5, attempts)
    assert attempts == [1, 2]
    assert is_transient(raised.value)


def test_a_permanent_error_is_not_retried(real_app):
    attempts: list[int] = []

    @retry_transient(db.session, attempts=3)
    def duplicate() -> None:
        attempts.append(1)
        db.session.add(User(email=EMAIL, name="Duplicate"))
        db.session.commit()

    with pytest.raises(IntegrityError):
        duplicate()
    assert attempts == [1]
