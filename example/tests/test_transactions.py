"""Transactions on the real server: rollback, savepoints, isolation between sessions, row locks."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from my_service.models import User

from .factories import UserFactory


@pytest.fixture
def committed(database_url: URL) -> Iterator[Engine]:
    """An engine outside the test's transaction, for work that must really commit.

    The users it commits are deleted afterwards.
    """
    engine = create_engine(database_url)
    yield engine
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE email LIKE '%@committed.test'"))
    engine.dispose()


def count_users(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_a_failed_flush_rolls_back_the_whole_unit_of_work(session):
    before = count_users(session)
    session.add_all(
        [User(email="one@example.com", name="One"), User(email="one@example.com", name="Two")]
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert count_users(session) == before


def test_a_nested_savepoint_rolls_back_alone(session):
    UserFactory(email="outer@example.com")
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(User(email="outer@example.com", name="Duplicate"))
        session.flush()
    session.add(User(email="inner@example.com", name="Inner"))
    session.flush()
    emails = set(session.scalars(select(User.email)))
    assert {"outer@example.com", "inner@example.com"} <= emails


def test_code_under_test_may_commit_and_still_leaves_nothing_behind(session, committed):
    session.add(User(email="kept@example.com", name="Kept"))
    session.commit()
    assert session.scalar(select(User).where(User.email == "kept@example.com")) is not None
    with Session(committed) as outsider:
        assert outsider.scalar(select(User).where(User.email == "kept@example.com")) is None


def test_another_session_sees_committed_rows_only(committed):
    with Session(committed) as writer, Session(committed) as reader:
        writer.add(User(email="pending@committed.test", name="Pending"))
        writer.flush()
        assert reader.scalar(select(User).where(User.email == "pending@committed.test")) is None
        writer.commit()
        assert reader.scalar(select(User).where(User.email == "pending@committed.test"))


def test_a_row_lock_blocks_a_second_writer(committed):
    with Session(committed) as setup:
        setup.add(User(email="locked@committed.test", name="Locked"))
        setup.commit()
    query = select(User).where(User.email == "locked@committed.test")
    with Session(committed) as holder, Session(committed) as other:
        holder.scalar(query.with_for_update())
        with pytest.raises(OperationalError, match="could not obtain lock"):
            other.scalar(query.with_for_update(nowait=True))
        other.rollback()
        holder.commit()
        assert other.scalar(query.with_for_update(nowait=True)) is not None
