"""How migrations run on a live database: their own timeouts, retries when a lock is not
granted, and one run at a time for as long as the run lasts."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, ProgrammingError

from my_service.database import migration_runs
from my_service.database.errors import LOCK_NOT_AVAILABLE, sqlstate

from ..support import config_for

LOCK_PROBE = "SELECT pg_try_advisory_xact_lock(:key)"


@pytest.fixture
def engine(empty_database_url: URL) -> Iterator[Engine]:
    """An engine on an empty database with one table, `probe`, to take locks on."""
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (id int)"))
    yield engine
    engine.dispose()


def migrations_engine(url: URL, behind_pgbouncer: bool, lock_timeout_ms: int = 2_000) -> Engine:
    """The engine `flask db upgrade` would use, from the testing configuration."""
    config = config_for(url)
    timeouts = {**config.MIGRATION_TIMEOUTS, "lock_timeout": lock_timeout_ms}
    connect_args = config.SQLALCHEMY_ENGINE_OPTIONS["connect_args"]
    return migration_runs.migration_engine(url, connect_args, timeouts, behind_pgbouncer)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry at once, so that the tests do not wait out the backoff."""
    monkeypatch.setattr(migration_runs, "backoff", lambda _attempt: 0)


@pytest.mark.parametrize("behind_pgbouncer", [False, True])
def test_migrations_wait_briefly_for_locks_and_have_no_statement_timeout(
    empty_database_url, behind_pgbouncer
):
    engine = migrations_engine(empty_database_url, behind_pgbouncer)
    with engine.begin() as connection:
        settings = [
            connection.scalar(text(f"SHOW {name}"))
            for name in ("lock_timeout", "statement_timeout")
        ]
        application = connection.scalar(text("SELECT current_setting('application_name')"))
    engine.dispose()
    assert settings == ["2s", "0"]
    assert application == "migrations"


def test_a_lock_not_granted_is_tried_again_until_the_holder_lets_go(engine, no_backoff, caplog):
    migrations = migrations_engine(engine.url, behind_pgbouncer=False, lock_timeout_ms=50)
    attempts = []
    with engine.connect() as blocker, migrations.connect() as connection:
        blocker.execute(text("LOCK TABLE probe IN ACCESS EXCLUSIVE MODE"))

        def migrate() -> None:
            attempts.append(len(attempts) + 1)
            if len(attempts) == 3:
                blocker.rollback()  # the long transaction ends
            with connection.begin():
                connection.execute(text("ALTER TABLE probe ADD COLUMN note text"))

        migration_runs.with_lock_retries(migrate, retries=5)
    migrations.dispose()
    assert attempts == [1, 2, 3]
    assert "trying again" in caplog.text
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM probe WHERE note IS NULL")) == 0


def test_the_retries_end_with_the_lock_error_when_the_holder_never_lets_go(engine, no_backoff):
    migrations = migrations_engine(engine.url, behind_pgbouncer=False, lock_timeout_ms=50)
    attempts = []
    with engine.connect() as blocker, migrations.connect() as connection:
        blocker.execute(text("LOCK TABLE probe IN ACCESS EXCLUSIVE MODE"))

        def migrate() -> None:
            attempts.append(len(attempts) + 1)
            with connection.begin():
                connection.execute(text("ALTER TABLE probe ADD COLUMN note text"))

        with pytest.raises(OperationalError) as raised:
            migration_runs.with_lock_retries(migrate, retries=2)
    migrations.dispose()
    assert sqlstate(raised.value) == LOCK_NOT_AVAILABLE
    assert attempts == [1, 2, 3]


def test_other_errors_are_not_tried_again(engine, no_backoff):
    attempts = []
    with engine.connect() as connection:

        def migrate() -> None:
            attempts.append(len(attempts) + 1)
            with connection.begin():
                connection.execute(text("ALTER TABLE missing ADD COLUMN note text"))

        with pytest.raises(ProgrammingError):
            migration_runs.with_lock_retries(migrate, retries=5)
    assert attempts == [1]


def test_the_migration_lock_lasts_the_whole_run_across_commits(engine):
    key = {"key": migration_runs.MIGRATION_LOCK}
    with engine.connect() as holder, engine.connect() as migrating, engine.connect() as other:
        with migration_runs.one_run_at_a_time(holder):
            with migrating.begin():
                migrating.execute(text("ALTER TABLE probe ADD COLUMN note text"))
            migrating.execute(text("COMMIT"))  # as an autocommit block does
            with other.begin():
                taken_during = not other.scalar(text(LOCK_PROBE), key)
        with other.begin():
            taken_after = not other.scalar(text(LOCK_PROBE), key)
    assert taken_during
    assert not taken_after
