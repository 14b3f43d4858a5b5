"""Extension instances, created unbound here and bound to the app in create_app."""

from flask import current_app
from flask_caching import Cache
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from .database.base import Base


class ServiceApi(Api):
    """flask-smorest's Api, documenting the service's own error shape."""

    # Named rather than imported: errors.py answers database errors, so it imports `db` from here.
    ERROR_SCHEMA = "my_service.errors.ErrorResponseSchema"


# Objects keep their values after a commit: the response to a write is built from what was
# written, without reading it back from a database that may have gone away in between.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
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
