"""Replicas that start together, directly or through PgBouncer, run a revision that builds an
index concurrently (outside any transaction): it runs once, and every replica succeeds."""

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from my_service import MIGRATIONS
from my_service.database import admin

from ..support import ROOT
from .conftest import service_env

pytestmark = pytest.mark.topology

REPLICAS = 3
REVISION = '''"""An index on user names, built without blocking writes."""

from alembic import op

revision = "c0ncurrent"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_users_name_built_concurrently", "users", ["name"], postgresql_concurrently=True
        )


def downgrade():
    op.drop_index("ix_users_name_built_concurrently", table_name="users")
'''


@pytest.fixture
def empty_database(template_url: URL) -> Iterator[URL]:
    url = template_url.set(database=f"{template_url.database}_{uuid.uuid4().hex[:8]}")
    admin.create_database(url)
    yield url
    admin.drop_database(url)


@pytest.fixture
def migrations_with_a_concurrent_index(tmp_path: Path, empty_database: URL) -> Path:
    """The project's migrations plus one revision that creates an index concurrently."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    heads = subprocess.run(
        [sys.executable, "-m", "flask", "db", "heads"],
        cwd=ROOT,
        env=service_env(empty_database),
        capture_output=True,
        text=True,
        check=True,
    )
    head = heads.stdout.split()[0]
    (folder / "versions" / "29991231_c0ncurrent_index.py").write_text(REVISION.format(head=head))
    return folder


def upgrade_at_once(database_url: str, folder: Path, **settings: str) -> list[str]:
    """Run `flask db upgrade` in REPLICAS processes at once; what each printed."""
    env = service_env(database_url, LOG_LEVEL="INFO", **settings)
    command = [sys.executable, "-m", "flask", "db", "upgrade", "--directory", str(folder)]
    output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    upgrades = [subprocess.Popen(command, cwd=ROOT, env=env, **output) for _ in range(REPLICAS)]
    outputs = [upgrade.communicate(timeout=180)[0].decode() for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0] * REPLICAS, outputs
    return outputs


def assert_migrated_once(outputs: list[str], database: URL) -> None:
    """Each revision ran in one replica only, and the database is at the new head."""
    assert sum(output.count("Running upgrade  -> 0001") for output in outputs) == 1, outputs
    assert sum(output.count("-> c0ncurrent") for output in outputs) == 1, outputs
    engine = create_engine(database)
    with engine.connect() as connection:
        versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        valid = connection.scalar(
            text(
                "SELECT indisvalid FROM pg_index "
                "WHERE indexrelid = 'ix_users_name_built_concurrently'::regclass"
            )
        )
    engine.dispose()
    assert versions == ["c0ncurrent"]
    assert valid


def test_replicas_build_a_concurrent_index_once(empty_database, migrations_with_a_concurrent_index):
    url = empty_database.render_as_string(hide_password=False)
    outputs = upgrade_at_once(url, migrations_with_a_concurrent_index)
    assert_migrated_once(outputs, empty_database)


def test_replicas_behind_pgbouncer_build_a_concurrent_index_once(
    empty_database, migrations_with_a_concurrent_index, pgbouncer
):
    through = empty_database.set(host="127.0.0.1", port=pgbouncer.port)
    url = through.render_as_string(hide_password=False)
    outputs = upgrade_at_once(url, migrations_with_a_concurrent_index, DB_BEHIND_PGBOUNCER="true")
    assert_migrated_once(outputs, empty_database)
