"""My Service: A Flask and PostgreSQL service."""

import atexit
import gc
from pathlib import Path

from flask import Flask

# Importing models completes the mappers and db.metadata before anything queries.
from . import api_docs, cli, health, models
from .auth.email_change import blp as email_api
from .auth.routes import blp as auth_api
from .auth.setup import register_auth
from .caching import register_caching
from .config import Config, load_config, resolve_database_url
from .database.events import listen_once
from .database.mixins import hide_soft_deleted_rows
from .database.sessions import remove_quietly
from .database.staleness import ping_stale_connections
from .database.timeouts import set_in_every_transaction
from .error_tracking import register_error_tracking
from .errors import register_error_handlers
from .extensions import api, db, migrate
from .hardening import register_hardening
from .json_provider import MsgspecJSONProvider
from .logging import configure_logging
from .metrics import TimedQueuePool, register_metrics
from .monitoring import register_monitoring
from .projects.routes import blp as projects_api
from .request_id import register_request_id
from .rest import IdConverter, id_schema
from .seeds import commands as seed_commands
from .session_cookie import SessionCookieWhenSent
from .tags.routes import blp as tags_api
from .tasks.routes import blp as tasks_api
from .tracing import register_tracing
from .users.routes import blp as users_api

__all__ = ["create_app", "models"]

# A process that loaded the service (a worker, the server's master, a `flask` command, a test
# run) exits without a last garbage collection over every module, mapper and schema object it
# holds: about a quarter of a second, a quarter of a `flask` command's time. Exit handlers
# still run (logs are flushed, spans exported); only objects left in reference cycles go
# unfinalized, and the operating system closes their sockets and files as the process ends.
atexit.register(gc.freeze)

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(config: Config | None = None) -> Flask:
    """Build the application; APP_ENV picks the configuration when none is given."""
    config = config or load_config()
    # No /static route: the only static files, the docs page's, are served by api_docs.py.
    app = Flask(__name__, instance_path=config.INSTANCE_PATH, static_folder=None)
    app.config.from_object(config)
    app.json = MsgspecJSONProvider(app)
    app.session_interface = SessionCookieWhenSent()
    configure_logging(app)
    register_database(app)
    register_caching(app)
    register_request_id(app)
    register_monitoring(app)
    register_metrics(app)
    register_tracing(app)
    register_error_tracking(app)
    register_hardening(app)
    register_auth(app)
    register_blueprints(app)
    # After the API, so that its errors take the service's one JSON shape too.
    register_error_handlers(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate, hide soft-deleted rows from every query, and close
    each request's session without letting a failure to do so turn its answer into a 500."""
    app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(app.config)
    # A QueuePool that times each wait for a connection (the db_pool_wait_seconds metric).
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": TimedQueuePool, **options}
    db.init_app(app)
    listen_once(db.session, "do_orm_execute", hide_soft_deleted_rows)
    with app.app_context():
        for engine in db.engines.values():
            if app.config["DB_PING_AFTER_IDLE"]:
                ping_stale_connections(engine, app.config["DB_PING_AFTER_IDLE"])
            if app.config["DB_BEHIND_PGBOUNCER"]:
                set_in_every_transaction(engine, app.config["DB_TIMEOUTS"])
    # Registered after Flask-SQLAlchemy's own, so it runs first and leaves that one nothing to do.
    app.teardown_appcontext(remove_quietly(db.session))
    # Batch mode only helps SQLite; server defaults are compared so that
    # `flask db check` also catches a changed default.
    migrate.init_app(
        app, db, directory=str(MIGRATIONS), render_as_batch=False, compare_server_default=True
    )


def register_blueprints(app: Flask) -> None:
    """Mount the health endpoints and the REST API (with its OpenAPI document and docs page)."""
    app.register_blueprint(health.bp)
    app.register_blueprint(api_docs.bp)
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    api.register_converter(IdConverter, id_schema)
    # flask-smorest declares this for its page-number pagination; lists here use cursors.
    api.spec.components.schemas.pop("PaginationMetadata", None)
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    api.spec.components.security_scheme("bearerAuth", bearer)
    for blueprint in [auth_api, email_api, users_api, projects_api, tasks_api, tags_api]:
        api.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    """Add the project's commands to `flask`, and the models to `flask shell`."""
    app.cli.add_command(cli.dbtools)
    app.cli.add_command(seed_commands.seed)
    app.shell_context_processor(shell_context)


def shell_context() -> dict:
    """What `flask shell` starts with: the database handle and every model."""
    return {"db": db, **{name: getattr(models, name) for name in models.__all__}}
