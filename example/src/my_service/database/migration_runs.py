"""How `flask db upgrade` runs on a live database: its own timeouts, retries, one run at a time.

A migration waiting for a lock sits at the head of PostgreSQL's lock queue, and every
request touching that table waits behind it. So migrations give up on a lock after a
short `lock_timeout` and try again later, instead of holding the queue; and they get no
statement timeout by default, since an index build or a backfill may take minutes.

Replicas that start together all run the migrations: a lock held by a connection of
its own, in a transaction open for the whole run, keeps all but one of them out. It
does not end when a revision commits or runs outside a transaction (`CREATE INDEX
CONCURRENTLY`), and PgBouncer keeps an open transaction on one server connection, so it
holds in transaction pooling too.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from .errors import LOCK_NOT_AVAILABLE, sqlstate
from .timeouts import set_in_every_transaction

logger = logging.getLogger(__name__)

# Any fixed number: it names the advisory lock that keeps two migration runs apart.
MIGRATION_LOCK = 2_718_281
MAX_BACKOFF_SECONDS = 15.0


def migration_engine(
    url: URL, connect_args: dict, timeouts: dict[str, int], behind_pgbouncer: bool
) -> Engine:
    """An engine for migrations alone: the app's connection settings, the migration timeouts."""
    arguments = {**connect_args, "application_name": "migrations"}
    arguments.pop("options", None)
    if not behind_pgbouncer:
        arguments["options"] = " ".join(f"-c {name}={value}" for name, value in timeouts.items())
    engine = create_engine(url, poolclass=NullPool, connect_args=arguments)
    if behind_pgbouncer:
        set_in_every_transaction(engine, timeouts)
    return engine


@contextmanager
def one_run_at_a_time(connection: Connection, poll_seconds: float = 0.5) -> Iterator[None]:
    """Hold the migration lock on `connection`, kept for it alone, until the block ends.

    The lock is taken in a transaction left open (and rolled back at the end), so it
    lasts the whole run wherever the migrations commit, and it goes if the process dies.
    A run that finds it taken asks again every `poll_seconds`, in a short transaction
    each time: waiting runs hold no server connection that the running one may need.
    """
    waiting_logged = False
    while True:
        transaction = connection.begin()
        connection.exec_driver_sql(
            "SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0"
        )
        if connection.exec_driver_sql(
            f"SELECT pg_try_advisory_xact_lock({MIGRATION_LOCK})"
        ).scalar():
            break
        transaction.rollback()
        if not waiting_logged:
            logger.info("Another migration run holds the migration lock; waiting for it to end.")
            waiting_logged = True
        time.sleep(poll_seconds)
    try:
        yield
    finally:
        transaction.rollback()


def lock_not_granted(error: BaseException) -> bool:
    """Whether `error` is PostgreSQL giving up on a lock at `lock_timeout` (55P03)."""
    return isinstance(error, DBAPIError) and sqlstate(error) == LOCK_NOT_AVAILABLE


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): doubling, capped.

    Only the run holding the migration lock retries, so there is no herd to spread out.
    """
    return min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (attempt - 1))


def with_lock_retries(run: Callable[[], None], retries: int) -> None:
    """Call `run`; when a lock is not granted in time, wait a little and call it again.

    Each revision commits on its own, so a retry resumes at the revision that waited.
    """
    for attempt in range(1, retries + 2):
        try:
            run()
            return
        except DBAPIError as error:
            if not lock_not_granted(error) or attempt > retries:
                raise
            delay = backoff(attempt)
            logger.warning(
                "A migration waited longer than lock_timeout for a lock (another transaction "
                "holds it); trying again in %.1f s (retry %d of %d).",
                delay,
                attempt,
                retries,
            )
            time.sleep(delay)


def transaction_lock(connection: Connection) -> None:
    """Take the migration lock for the current transaction of `connection` (tests hand one in)."""
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
