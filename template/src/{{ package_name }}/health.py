"""Health endpoints for load balancers and orchestrators."""

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

bp = Blueprint("health", __name__, url_prefix="/health")


@bp.get("/live")
def live() -> dict:
    """Liveness: the process answers; no dependency is checked."""
    return {"status": "ok"}


@bp.get("/ready")
def ready() -> dict:
    """Readiness: the database answers a query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error.__class__.__name__).strip()
        if "unsupported startup parameter" in reason:
            reason += " (behind PgBouncer? set DB_BEHIND_PGBOUNCER=true)"
        current_app.logger.warning("Readiness check failed: %s", reason.splitlines()[-1])
        raise ServiceUnavailable(
            "The database is unreachable; the service is not ready.",
            retry_after=current_app.config["HEALTH_RETRY_AFTER"],
        ) from error
    return {"status": "ok", "checks": {"database": "ok"}}
