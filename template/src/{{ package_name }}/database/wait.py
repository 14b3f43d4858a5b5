"""Wait for the database at start-up, with retries and backoff, before giving up clearly."""

import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from tenacity import (
    RetryError,
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

logger = logging.getLogger(__name__)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer within the time allowed."""


def wait_for_database(engine: Engine, timeout: float = 30.0, max_wait: float = 5.0) -> int:
    """Retry `SELECT 1` with exponential backoff until it works; return the attempts it took."""
    retrying = Retrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_delay(timeout),
        wait=wait_exponential(multiplier=0.2, max=max_wait),
        before_sleep=before_sleep_log(logger, logging.WARNING),
    )
    try:
        for attempt in retrying:
            with attempt, engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except RetryError as error:
        cause = error.last_attempt.exception()
        raise DatabaseUnavailableError(
            f"the database at {engine.url.render_as_string(hide_password=True)} did not answer "
            f"within {timeout:g}s ({type(cause).__name__}): check that it is running and that "
            "DATABASE_URL names the right host, port and credentials"
        ) from cause
    return retrying.statistics["attempt_number"]
