"""A team's migration applied while the service serves reads and writes through gunicorn, and
while another session holds a long transaction on the same table: no request fails, none waits
much longer than the migration lock timeout, and the migration completes by its retries.
"""

import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from my_service import MIGRATIONS
from my_service.database import admin

from ..support import ROOT
from .conftest import admin_headers, service_env
from .load import call, paced, run

pytestmark = pytest.mark.topology

LOCK_TIMEOUT_MS = 1_000
# What a request may take beyond the lock timeout on a busy test machine. The blocking
# transaction lasts far longer (RETRIES_SEEN lock timeouts and their backoff), so a request
# that queued behind the migration for the whole of it would be caught.
MARGIN_SECONDS = 2.5
RETRIES_SEEN = 3  # lock timeouts the migration hits before the blocking transaction ends
USERS = 5_000
CLIENTS = 4
PAUSE = 0.02  # seconds between a client's calls: steady traffic while the migration waits

# A realistic change in three releases' worth of revisions: add a nullable column (new rows
# get a default); backfill the old rows in batches; index it concurrently; require it with
# a NOT VALID check constraint, validated afterwards.
REVISIONS = {
    "expand1": '''"""Users: where they signed up (nullable for now)."""

import sqlalchemy as sa
from alembic import op

revision = "expand1"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("signup_source", sa.String(16), nullable=True))
    op.alter_column("users", "signup_source", server_default="api")


def downgrade():
    op.drop_column("users", "signup_source")
''',
    "backfill1": '''"""Users: signup_source for the accounts made before it, then an index on it."""

import sqlalchemy as sa
from alembic import op

revision = "backfill1"
down_revision = "expand1"
branch_labels = None
depends_on = None

BATCH = sa.text(
    "UPDATE users SET signup_source = 'legacy' WHERE id IN "
    "(SELECT id FROM users WHERE signup_source IS NULL ORDER BY id LIMIT 500)"
)


def upgrade():
    with op.get_context().autocommit_block():
        while op.get_bind().execute(BATCH).rowcount:
            pass
        op.create_index(
            "ix_users_signup_source",
            "users",
            ["signup_source"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    op.drop_index("ix_users_signup_source", table_name="users")
''',
    "contract1": '''"""Users: signup_source is required."""

from alembic import op

revision = "contract1"
down_revision = "backfill1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE users ADD CONSTRAINT ck_users_signup_source_present "
        "CHECK (signup_source IS NOT NULL) NOT VALID"
    )
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_signup_source_present")


def downgrade():
    op.drop_constraint("ck_users_signup_source_present", "users")
''',
}


@pytest.fixture
def team_migrations(tmp_path: Path, service_database: URL) -> Path:
    """The project's migrations plus the team's three revisions."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    heads = subprocess.run(
        [sys.executable, "-m", "flask", "db", "heads"],
        cwd=ROOT,
        env=service_env(service_database),
        capture_output=True,
        text=True,
        check=True,
    )
    head = heads.stdout.split()[0]
    for name, source in REVISIONS.items():
        (folder / "versions" / f"29991231_{name}.py").write_text(source.format(head=head))
    return folder


@pytest.fixture
def second_copy(service_database: URL) -> Iterator[URL]:
    """Another copy of the service's database, to time the migration without a blocker."""
    url = service_database.set(database=f"{service_database.database}_{uuid.uuid4().hex[:6]}")
    yield url
    admin.drop_database(url)


def add_users(url: URL) -> None:
    """USERS accounts that exist before the migration (the rows to backfill)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, name) SELECT 'before-' || n || '@example.com', "
                "'Before' FROM generate_series(1, :count) AS n"
            ),
            {"count": USERS},
        )
    engine.dispose()


class Migration:
    """`flask db upgrade` in a process of its own, its output read as it comes."""

    def __init__(self, url: URL, folder: Path) -> None:
        env = service_env(url, MIGRATION_LOCK_TIMEOUT_MS=str(LOCK_TIMEOUT_MS))
        command = [
            sys.executable,
            "-m",
            "flask",
            "db",
            "upgrade",
            "--directory",
            str(folder),
        ]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.retried = threading.Condition()
        self.ended = 0.0
        self.reader = threading.Thread(target=self.read)
        self.reader.start()

    def read(self) -> None:
        """Keep each line, and tell whoever waits for retries when one comes."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.retried:
                self.lines.append(line)
                self.retried.notify_all()
        self.process.wait()
        self.process.stdout.close()
        self.ended = time.monotonic()
        with self.retried:
            self.retried.notify_all()

    def retries(self) -> int:
        """How many times a lock was not granted and the migration tried again."""
        return sum("trying again" in line for line in self.lines)

    def wait_for_retries(self, count: int, seconds: float = 60) -> None:
        """Wait until the migration has retried `count` times (failing plainly if it ends)."""
        with self.retried:
            waited = self.retried.wait_for(
                lambda: self.retries() >= count or self.process.poll() is not None,
                seconds,
            )
        assert (
            waited and self.retries() >= count
        ), f"the migration did not retry {count} times in {seconds} s:\n" + "".join(self.lines)

    def finish(self, seconds: float = 180) -> float:
        """Wait for the end; how long it took, in seconds."""
        self.reader.join(seconds)
        assert not self.reader.is_alive(), "the migration did not end:\n" + "".join(self.lines)
        assert self.process.returncode == 0, "".join(self.lines)
        return self.ended - self.started


def backfilled(url: URL) -> tuple[int, int]:
    """Rows with signup_source 'legacy', and rows still without one."""
    engine = create_engine(url)
    with engine.connect() as connection:
        legacy, missing = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE signup_source = 'legacy'), "
                "count(*) FILTER (WHERE signup_source IS NULL) FROM users"
            )
        ).one()
    engine.dispose()
    return legacy, missing


def test_a_migration_under_load_behind_a_long_transaction(
    serve, service_database, second_copy, team_migrations
):
    add_users(service_database)
    admin.create_database(second_copy, template=service_database.database)
    unblocked = Migration(second_copy, team_migrations).finish()
    assert backfilled(second_copy)[1] == 0

    server = serve(service_database, workers=2)
    headers = admin_headers(server)
    blocker_engine = create_engine(service_database)
    blocker = blocker_engine.connect()
    blocker.execute(text("SELECT count(*) FROM users"))  # holds its lock until rolled back
    migration = Migration(service_database, team_migrations)

    def exercise(client: int, n: int):
        """Alternately list users and create one."""
        if n % 2:
            return call(server.url, "GET", "/api/v1/users/?page_size=5", headers=headers)
        body = {"email": f"during-{client}-{n}@example.com", "name": "During"}
        return call(server.url, "POST", "/api/v1/users/", body, headers=headers)

    released: list[float] = []

    def release_the_blocker() -> None:
        migration.wait_for_retries(RETRIES_SEEN)
        blocker.rollback()
        released.append(time.monotonic())

    releaser = threading.Thread(target=release_the_blocker)
    releaser.start()
    outcomes = run(
        CLIENTS, paced(exercise, PAUSE), until=lambda: migration.process.poll() is not None
    )
    releaser.join(90)
    blocker.close()
    blocker_engine.dispose()
    duration = migration.finish()

    failures = [o for o in outcomes if o.status not in (200, 201)]
    slowest = max(outcome.seconds for outcome in outcomes)
    legacy, missing = backfilled(service_database)
    print(
        f"\nmigration under load: {len(outcomes)} requests, {len(failures)} failed, slowest "
        f"{slowest:.2f} s; migration {duration:.1f} s behind the long transaction "
        f"({migration.retries()} retries), {unblocked:.1f} s without it; "
        f"{legacy} rows backfilled, {missing} left"
    )
    assert failures == []
    assert slowest < LOCK_TIMEOUT_MS / 1000 + MARGIN_SECONDS
    assert migration.retries() >= RETRIES_SEEN
    assert released and migration.ended > released[0]  # it waited the blocker out, retrying
    assert legacy >= USERS + 1  # the accounts made before (and the administrator)
    assert missing == 0
