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


def pending_migrations() -> int:
    """Revisions the database has not applied yet (all of them on an empty database)."""
    scripts = migration_scripts()
    applied = None
    if db.session.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        applied = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    current = tuple(applied) if applied else None
    return sum(1 for _ in scripts.iterate_revisions(tuple(scripts.get_heads()), current))


def pending_seed_sets() -> int:
    """Seed sets of this environment not applied yet."""
    states = runner.status(read_sets(), current_app.config["NAME"])
    return sum(1 for _, state in states if state == "pending")


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
    """Readiness: the database answers a query. The answer also reports each dependency's
    latency (the database's, the shared cache store's), and the migrations and seed sets the
    database still lacks. Those, and a failing cache, do not make the service unready: they
    are for dashboards and alerts, as metrics too."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        database_ms = milliseconds_since(started)
        migrations, seed_sets = pending_migrations(), pending_seed_sets()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error.__class__.__name__).strip()
        if "unsupported startup parameter" in reason:
            reason += " (behind PgBouncer? set DB_BEHIND_PGBOUNCER=true)"
        current_app.logger.warning("Readiness check failed: %s", reason.splitlines()[-1])
        READY.set(0)
        raise ServiceUnavailable(
            "The database is unreachable; the service is not ready.",
            retry_after=current_app.config["HEALTH_RETRY_AFTER"],
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
