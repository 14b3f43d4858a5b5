"""Extension instances, created unbound here and bound to the app in create_app."""

from typing import TYPE_CHECKING

from flask import current_app
from flask_caching import Cache
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy

from .database.base import Base
from .status_names import RFC9110StatusNames, renamed_statuses


class ServiceApi(Api):
    """flask-smorest's Api, documenting the service's own error shape and naming statuses
    as RFC 9110 does whatever Python runs it (status_names.py)."""

    # Named rather than imported: errors.py answers database errors, so it imports `db` from here.
    ERROR_SCHEMA = "my_service.errors.ErrorResponseSchema"

    def __init__(self) -> None:
        super().__init__(spec_kwargs={"extra_plugins": [RFC9110StatusNames()]})

    def _register_responses(self) -> None:
        super()._register_responses()
        for name, phrase in renamed_statuses().values():
            response = {"description": phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(name, response, lazy=True)


# Objects keep their values after a commit: the response to a write is built from what was
# written, without reading it back from a database that may have gone away in between.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

# The base of every model. db.Model is Base with Flask-SQLAlchemy's table naming and bind
# keys added, made at runtime; type checkers see Base, whose columns and types it shares.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
api = ServiceApi()
cache = Cache()
jwt = JWTManager()


def rate_limit_key() -> str:
    """Who a rate limit counts: the client's address, in this service's namespace."""
    return f"{current_app.config['RATE_LIMIT_KEY_PREFIX']}{get_remote_address()}"


# Limits and keys are read per request (callables), so each app keeps its own settings.
limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[lambda: current_app.config["RATE_LIMIT_DEFAULT"]],
)
