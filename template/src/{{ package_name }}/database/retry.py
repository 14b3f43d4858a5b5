"""Retry units of work that failed only because they raced another transaction."""

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from ..extensions import db

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# serialization_failure and deadlock_detected: PostgreSQL asks the client to retry.
TRANSIENT_SQLSTATES = {"40001", "40P01"}


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE code of a database error, for psycopg2 and psycopg 3 alike."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may succeed."""
    return isinstance(error, DBAPIError) and sqlstate(error) in TRANSIENT_SQLSTATES


def retry_transient(attempts: int = 3) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a unit of work again (after a rollback) when it hits a serialization failure or a
    deadlock. Use it only on work that is safe to repeat: one transaction, no outside effects.
    """

    def decorate(work: Callable[P, R]) -> Callable[P, R]:
        def rollback_and_log(state) -> None:
            db.session.rollback()
            logger.warning(
                "Retrying %s after %s (attempt %d)",
                work.__name__,
                sqlstate(state.outcome.exception()),
                state.attempt_number,
            )

        retrying = retry(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=0.01, max=0.5),
            before_sleep=rollback_and_log,
            reraise=True,
        )
        return functools.wraps(work)(retrying(work))

    return decorate
