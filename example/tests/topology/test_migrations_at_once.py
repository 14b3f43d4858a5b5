"""Replicas that start together all run `flask db upgrade`: the migrations run once."""

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from my_service.database import admin

from ..support import ROOT
from .conftest import service_env

pytestmark = pytest.mark.topology

REPLICAS = 3


@pytest.fixture
def empty_database(template_url: URL) -> Iterator[URL]:
    url = template_url.set(database=f"{template_url.database}_{uuid.uuid4().hex[:8]}")
    admin.create_database(url)
    yield url
    admin.drop_database(url)


def test_replicas_upgrading_at_once_run_each_migration_once(empty_database):
    env = service_env(empty_database, LOG_LEVEL="INFO")
    command = [sys.executable, "-m", "flask", "db", "upgrade"]
    output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    upgrades = [subprocess.Popen(command, cwd=ROOT, env=env, **output) for _ in range(REPLICAS)]
    outputs = [upgrade.communicate(timeout=120)[0].decode() for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0] * REPLICAS, outputs
    # One replica ran the migrations; the others waited for its lock and found nothing to do.
    assert sum(output.count("Running upgrade  -> 0001") for output in outputs) == 1, outputs
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    heads = subprocess.run(
        [*command[:-1], "heads"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert versions == [heads.stdout.split()[0]]
