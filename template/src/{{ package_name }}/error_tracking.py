"""Error tracking with Sentry: each unexpected error reported once, with its request id.

Off unless SENTRY_DSN is set. Errors the service answers itself (4xx, a database
that is down) are not reported; an unexpected exception is, from the 500 handler
(errors.py), tagged with the request id the caller got in X-Request-ID.

No personal data is sent (DATA_COLLECTION): no user, IP address or cookies, no
request headers but a few plain ones, no request bodies, no query strings, no
local variables, no SQL parameters (SQL statements go as breadcrumbs, without
their values); and a database error is described by its class and SQLSTATE,
never by its message, which quotes the values it choked on.
"""

from typing import TYPE_CHECKING

from flask import Flask, current_app
from sqlalchemy.exc import DBAPIError

from .database.errors import sqlstate
from .request_id import current_request_id

if TYPE_CHECKING:
    from sentry_sdk.transport import Transport
    from sentry_sdk.types import DataCollectionUserOptions, Event, Hint

# Where events go (None: Sentry's HTTP transport); the tests swap in one that keeps them.
TRANSPORT: "type[Transport] | Transport | None" = None
# What the SDK's integrations may collect about a request: nothing that identifies a person.
DATA_COLLECTION: "DataCollectionUserOptions" = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {
        "request": {
            "mode": "allowlist",
            "terms": ["accept", "content-type", "user-agent", "x-request-id"],
        }
    },
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "database_query_data": False,
    "stack_frame_variables": False,
}


def scrub(event: "Event", hint: "Hint") -> "Event":
    """Tag the event with its request id; describe a database error without its values."""
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    error = hint.get("exc_info", (None, None))[1]
    if isinstance(error, DBAPIError):
        description = f"{type(error.orig).__name__} (SQLSTATE {sqlstate(error) or 'none'})"
        for exception in event.get("exception", {}).get("values", []):
            exception["value"] = description
    return event


def register_error_tracking(app: Flask) -> None:
    """Send unexpected errors to Sentry, when SENTRY_DSN is set."""
    if not app.config["SENTRY_DSN"]:
        return
    # Imported only here: the SDK takes about a third of a second to import, which every
    # process of a service without Sentry (a worker, a `flask` command, a test run) would
    # otherwise pay at start.
    import sentry_sdk  # noqa: PLC0415
    from sentry_sdk.integrations.flask import FlaskIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.logging import LoggingIntegration  # noqa: PLC0415
    from sentry_sdk.transport import HttpTransport  # noqa: PLC0415

    app.extensions["error_tracking"] = True
    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=app.config["SENTRY_RELEASE"],
        transport=TRANSPORT or HttpTransport,
        integrations=[
            FlaskIntegration(),
            # Log records become breadcrumbs, never events of their own: errors.py reports
            # each unexpected exception once, itself.
            LoggingIntegration(event_level=None),
        ],
        data_collection=DATA_COLLECTION,
        before_send=scrub,
        # Traces go to OpenTelemetry (tracing.py); Sentry receives errors only.
        traces_sample_rate=None,
    )


def report(error: BaseException) -> None:
    """Send an unexpected error to Sentry, when error tracking is on for this app."""
    if current_app.extensions.get("error_tracking"):
        import sentry_sdk  # noqa: PLC0415

        sentry_sdk.capture_exception(error)
