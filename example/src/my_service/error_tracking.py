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

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import HttpTransport, Transport
from sentry_sdk.types import DataCollectionUserOptions, Event, Hint
from sqlalchemy.exc import DBAPIError

from .database.errors import sqlstate
from .request_id import current_request_id

# Where events go; the tests swap in a transport that keeps them.
TRANSPORT: type[Transport] | Transport = HttpTransport
# What the SDK's integrations may collect about a request: nothing that identifies a person.
DATA_COLLECTION: DataCollectionUserOptions = {
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


def scrub(event: Event, hint: Hint) -> Event:
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
    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=app.config["SENTRY_RELEASE"],
        transport=TRANSPORT,
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
