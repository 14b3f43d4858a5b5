"""Replicas that start together all run `flask db upgrade`: the migrations run once."""

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from my_service.database import admin
from my_service.database.migration_runs import MIGRATION_LOCK

from ..support import ROOT
from .conftest import service_env
from .processes import wait_for

pytestmark = pytest.mark.topology

REPLICAS = 3
WAITING = "Another migration run holds the migration lock; waiting for it to end."


@pytest.fixture
def empty_database(template_url: URL) -> Iterator[URL]:
    url = template_url.set(database=f"{template_url.database}_{uuid.uuid4().hex[:8]}")
    admin.create_database(url)
    yield url
    admin.drop_database(url)


def test_replicas_upgrading_at_once_run_each_migration_once(empty_database, tmp_path):
    env = service_env(empty_database, LOG_LEVEL="INFO")
    command = [sys.executable, "-m", "flask", "db", "upgrade"]
    logs = [tmp_path / f"replica-{number}.log" for number in range(REPLICAS)]
    engine = create_engine(empty_database)
    # The test holds the migration lock until every replica is waiting for it, so that all
    # three runs overlap however fast each one starts; then it lets them go together.
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        holder.commit()  # a session's lock: no open transaction for a concurrent index to wait on
        upgrades: list[subprocess.Popen] = []
        try:
            for log in logs:
                with log.open("w") as output:
                    upgrades.append(
                        subprocess.Popen(
                            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
                        )
                    )

            def all_waiting() -> bool:
                return all(
                    WAITING in log.read_text() or upgrade.poll() is not None
                    for log, upgrade in zip(logs, upgrades, strict=True)
                )

            wait_for(all_waiting, "every replica waiting for the migration lock (or exiting)", 60)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            holder.commit()
            for upgrade in upgrades:
                upgrade.wait(timeout=120)
    outputs = [log.read_text() for log in logs]
    assert [upgrade.returncode for upgrade in upgrades] == [0] * REPLICAS, outputs
    # Every replica waited behind the lock; once it was free, one of them ran the migrations
    # and the others found nothing to do.
    assert [WAITING in output for output in outputs] == [True] * REPLICAS, outputs
    assert sum(output.count("Running upgrade  -> 0001") for output in outputs) == 1, outputs
    with engine.connect() as connection:
        versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    heads = subprocess.run(
        [*command[:-1], "heads"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert versions == [heads.stdout.split()[0]]
