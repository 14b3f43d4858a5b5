"""Retry units of work that failed only because they raced another transaction."""

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session, scoped_session
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from .errors import is_transient, sqlstate

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def retry_transient(
    session: Session | scoped_session, attempts: int = 3
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a unit of work on `session` again, after a rollback, when it hits a serialization
    failure or a deadlock. Use it only on work that is safe to repeat: one transaction, no
    outside effects.
    """

    def decorate(work: Callable[P, R]) -> Callable[P, R]:
        def rollback_and_log(state) -> None:
            session.rollback()
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
