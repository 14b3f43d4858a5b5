"""Health endpoints for load balancers and orchestrators."""

import time
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

from .caching import CacheGenerations, generation_store
from .extensions import cache, db
from .metrics import MIGRATIONS_PENDING, READY, SEED_SETS_PENDING
from .seeds import runner
from .seeds.loading import read_sets
from .seeds.models import SeedRecord

bp = Blueprint("health", __name__, url_prefix="/health")


@bp.get("/live")
def live() -> dict:
    """Liveness: the process answers; no dependency is checked."""
    return {"status": "ok"}


def milliseconds_since(started: float) -> float:
    """Time since `started` (a perf_counter reading), in ms to one decimal."""
    return round((time.perf_counter() - started) * 1000, 1)


def migration_scripts() -> ScriptDirectory:
    """This app's migration scripts, read once."""
    scripts = current_app.extensions.get("migration_scripts")
    if scripts is None:
        config = AlembicConfig()
        directory = Path(current_app.extensions["migrate"].directory)
        config.set_main_option("script_location", str(directory))
        scripts = current_app.extensions["migration_scripts"] = ScriptDirectory.from_config(config)
    return scripts


NO_SCHEMA = "The database has no schema yet: run `flask db upgrade` against it."


def has_table(name: str) -> bool:
    """Whether the database has the table `name` (on its search path)."""
    return bool(db.session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}))


def pending_migrations() -> int:
    """Revisions the database has not applied yet (all of them on an empty database)."""
    scripts = migration_scripts()
    applied = None
    if has_table("alembic_version"):
        applied = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    current = tuple(applied) if applied else None
    return sum(1 for _ in scripts.iterate_revisions(tuple(scripts.get_heads()), current))


def pending_seed_sets() -> int:
    """Seed sets of this environment not applied yet (all of them before the migration that
    records them has run)."""
    environment = current_app.config["NAME"]
    if not has_table(SeedRecord.__tablename__):
        return sum(1 for seed_set in read_sets() if environment in seed_set.environments)
    states = runner.status(read_sets(), environment)
    return sum(1 for _, state in states if state == "pending")


def first_line(error: Exception) -> str:
    """The line of a database error that says what went wrong (PostgreSQL adds the
    statement, a caret under it, and hints on the lines after)."""
    reason = str(getattr(error, "orig", None) or error.__class__.__name__).strip()
    line = reason.splitlines()[0] if reason else error.__class__.__name__
    if "unsupported startup parameter" in reason:
        line += " (behind PgBouncer? set DB_BEHIND_PGBOUNCER=true)"
    return line


def not_ready(message: str, log_line: str) -> ServiceUnavailable:
    """The 503 that takes this process out of the load balancer, logged and counted."""
    current_app.logger.warning("Readiness check failed: %s", log_line)
    READY.set(0)
    return ServiceUnavailable(message, retry_after=current_app.config["HEALTH_RETRY_AFTER"])


def cache_store_check() -> dict | None:
    """The shared cache store's answer and latency (None when the cache is in-process or off).

    A failing store is reported, not fatal: reads are then answered from the database."""
    if not isinstance(generation_store(), CacheGenerations):
        return None
    started = time.perf_counter()
    try:
        cache.get("readiness-probe")
    except Exception as error:  # any backend failure: the service still answers, more slowly
        current_app.logger.warning("Readiness: the cache store failed: %s", type(error).__name__)
        return {"status": "failing", "latency_ms": milliseconds_since(started)}
    return {"status": "ok", "latency_ms": milliseconds_since(started)}


@bp.get("/ready")
def ready() -> dict:
    """Readiness: the database answers a query and has the schema. The answer also reports
    each dependency's latency (the database's, the shared cache store's), and the migrations
    and seed sets the database still lacks. Those, and a failing cache, do not make the
    service unready (in a rolling deploy, old code serves while the new migrations run):
    they are for dashboards and alerts, as metrics too."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        database_ms = milliseconds_since(started)
        if not has_table("alembic_version"):
            raise not_ready(NO_SCHEMA, NO_SCHEMA)
        migrations, seed_sets = pending_migrations(), pending_seed_sets()
    except SQLAlchemyError as error:
        raise not_ready(
            "The database is unreachable; the service is not ready.", first_line(error)
        ) from error
    READY.set(1)
    MIGRATIONS_PENDING.set(migrations)
    SEED_SETS_PENDING.set(seed_sets)
    checks: dict[str, dict] = {"database": {"status": "ok", "latency_ms": database_ms}}
    cache_store = cache_store_check()
    if cache_store is not None:
        checks["cache"] = cache_store
    checks["migrations"] = {"status": "ok" if migrations == 0 else "pending", "pending": migrations}
    checks["seed_sets"] = {"status": "ok" if seed_sets == 0 else "pending", "pending": seed_sets}
    return {"status": "ok", "checks": checks}
