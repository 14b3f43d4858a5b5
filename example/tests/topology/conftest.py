"""Fixtures of the topology and fault tests: databases the served app really commits to, an
administrator to call it as, gunicorn instances, and servers a test may stop.

`make topology` and `make faults` run these tests; `make test` leaves them out. Where a
server program they need is missing they fail in CI (CI is set) and are skipped elsewhere,
naming what to install.
"""

import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator

import flask_migrate
import pytest
from sqlalchemy.engine import URL, make_url

from my_service import create_app
from my_service.database import admin
from my_service.extensions import db
from my_service.users.models import Role

from ..callers import PASSWORD, credential_of
from ..factories import UserFactory
from ..support import ROOT, config_for
from .load import call
from .processes import Gunicorn, PgBouncer, ThrowawayPostgres, postgres_program

ADMIN_EMAIL = "admin@example.com"
# Fresh for each run, and shared by every replica, as a deployment's secrets are.
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(48)}
SECRETS["JWT_SECRET_KEY"] = secrets.token_urlsafe(48)


def require(found: bool, what: str) -> None:
    """Fail in CI, skip elsewhere, when a program the test needs is missing."""
    if not found:
        message = f"{what} is not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def migrated(url: URL) -> None:
    """Bring an empty database up to the newest migration, with an administrator in it."""
    app = create_app(config_for(url))
    with app.app_context():
        flask_migrate.upgrade()
        add_admin()
        db.engine.dispose()


def add_admin() -> None:
    """The administrator the tests call the service as."""
    user = UserFactory(email=ADMIN_EMAIL, name="Admin", role=Role.ADMIN)
    credential_of(user)


@pytest.fixture
def service_database(template_url: URL) -> Iterator[URL]:
    """A database of its own on the test server (a copy of the migrated template), with the
    administrator, for servers that really commit."""
    url = template_url.set(database=f"{template_url.database}_{uuid.uuid4().hex[:8]}")
    admin.create_database(url, template=template_url.database)
    app = create_app(config_for(url))
    with app.app_context():
        add_admin()
        db.engine.dispose()
    yield url
    admin.drop_database(url)


def service_env(database_url: URL | str, **settings: str) -> dict[str, str]:
    """The environment of a production process of the service."""
    url = make_url(database_url)
    source = str(ROOT / "src")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
        "APP_ENV": "production",
        "DATABASE_URL": url.render_as_string(hide_password=False),
        **SECRETS,
        "LOG_LEVEL": "WARNING",
        "RATE_LIMITS": "false",
        # The replicas on one database share a namespace that no other test shares.
        "CACHE_KEY_PREFIX": f"topology-{url.database}:",
        "INSTANCE_PATH": str(ROOT / "instance"),
        **settings,
    }


@pytest.fixture
def serve() -> Iterator[Callable[..., Gunicorn]]:
    """Start the service under gunicorn: `serve(database_url, workers=2, SETTING=value)`."""
    started: list[Gunicorn] = []

    def start(database_url: URL | str, workers: int = 2, **settings: str) -> Gunicorn:
        server = Gunicorn(service_env(database_url, **settings), workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def admin_headers(server: Gunicorn) -> dict[str, str]:
    """Headers that call `server` as the administrator."""
    signed_in = call(
        server.url, "POST", "/api/v1/auth/token", {"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert signed_in.status == 200, signed_in.body
    return {"Authorization": f"Bearer {signed_in.body['access_token']}"}


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server of the test's own, started, with a migrated `service` database."""
    try:
        postgres_program("pg_ctl")
    except FileNotFoundError:
        require(False, "the PostgreSQL server (initdb, pg_ctl)")
    server = ThrowawayPostgres()
    try:
        server.start()
        url = make_url(server.url("service"))
        admin.create_database(url)
        migrated(url)
        yield server
    finally:
        server.close()


@pytest.fixture
def pgbouncer(database_url: URL) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling in front of the test server."""
    require(bool(shutil.which("pgbouncer") or os.path.exists("/usr/sbin/pgbouncer")), "pgbouncer")
    user, password = database_url.username or "postgres", database_url.password or ""
    bouncer = PgBouncer(database_url.port or 5432, user, password)
    yield bouncer
    bouncer.close()
