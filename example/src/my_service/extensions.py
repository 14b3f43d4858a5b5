"""Extension instances, created unbound here and bound to the app in create_app."""

from flask_caching import Cache
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from .database.base import Base


class ServiceApi(Api):
    """flask-smorest's Api, documenting the service's own error shape."""

    # Named rather than imported: errors.py answers database errors, so it imports `db` from here.
    ERROR_SCHEMA = "my_service.errors.ErrorResponseSchema"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = ServiceApi()
cache = Cache()
