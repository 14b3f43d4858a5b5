"""My Service: A Flask and PostgreSQL service."""

from flask import Flask

from . import health
from .config import Config, load_config
from .database import configure_database
from .errors import register_error_handlers
from .extensions import db
from .logging import configure_logging
from .request_id import register_request_id


def create_app(config: Config | None = None) -> Flask:
    """Build the application; APP_ENV picks the configuration when none is given."""
    config = config or load_config()
    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    configure_logging(app)
    register_extensions(app)
    register_request_id(app)
    register_error_handlers(app)
    register_blueprints(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension instances to this app."""
    configure_database(app)
    db.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the HTTP endpoints."""
    app.register_blueprint(health.bp)
