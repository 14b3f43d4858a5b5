"""Ending a session at the end of a request, whatever state its connection is in."""

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session

logger = logging.getLogger(__name__)


def remove_quietly(sessions: scoped_session) -> Callable[[BaseException | None], None]:
    """A teardown that removes the scoped session, logging (not raising) a failure to close it.

    The answer is decided by then: a connection that broke after a commit must not turn an
    acknowledged write into an error page.
    """

    def teardown(_error: BaseException | None = None) -> None:
        try:
            sessions.remove()
        except SQLAlchemyError as error:
            logger.warning(
                "Closing the request's database session failed (%s): its connection is dropped",
                type(error).__name__,
            )

    return teardown
