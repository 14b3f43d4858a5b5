"""`flask seed fake` for 100,000 tasks against PostgreSQL's COPY of the same rows.

Both run in one process against one server, interleaved: `generate()` as the command
runs it (Faker, users and projects, CSV, COPY, commit), and a bare COPY of the same
100,000 task rows already rendered as CSV: the fastest PostgreSQL can take them.
Prints each median and the ratio COPY / seed fake (1.0 would be no overhead at all).

    make bench
    PYTHONPATH=example/src:example .venv/bin/python bench/seed_fake.py --tasks 100000
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import sys
import time

from faker import Faker
from sqlalchemy import text
from sqlalchemy.engine import make_url

from my_service import create_app
from my_service.database import admin
from my_service.extensions import db
from my_service.seeds.fake import TASK_COLUMNS, generate, task_rows
from tests.support import build_template, config_for

SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/x")


def empty_tables() -> None:
    db.session.execute(text("TRUNCATE tasks, task_tags, projects, tags, users CASCADE"))
    db.session.commit()


def timed_fake(tasks: int) -> float:
    empty_tables()
    start = time.perf_counter()
    generate(users=100, projects=1_000, tasks=tasks, seed=7)
    return time.perf_counter() - start


def timed_copy(tasks: int) -> float:
    """COPY the same kind of rows, rendered to CSV beforehand, into the same tables."""
    empty_tables()
    generate(users=100, projects=1_000, tasks=0, seed=7)
    users = db.session.scalars(text("SELECT id FROM users")).all()
    projects = db.session.scalars(text("SELECT id FROM projects")).all()
    faker = Faker()
    faker.seed_instance(7)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(task_rows(tasks, projects, users, faker, random.Random(7)))
    buffer.seek(0)
    raw = db.session.connection().connection.dbapi_connection
    start = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.copy_expert(f"COPY tasks ({TASK_COLUMNS}) FROM STDIN WITH (FORMAT csv)", buffer)
    db.session.commit()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    base = make_url(SERVER).set(drivername="postgresql+psycopg2")
    template, url = base.set(database="bench_seed_template"), base.set(database="bench_seed")
    build_template(template, run_id=str(time.time()))
    admin.drop_database(url)
    admin.create_database(url, template=template.database)
    app = create_app(config_for(url))
    fake_times, copy_times = [], []
    with app.app_context():
        for _ in range(arguments.rounds):
            fake_times.append(timed_fake(arguments.tasks))
            copy_times.append(timed_copy(arguments.tasks))
        assert db.session.scalar(text("SELECT count(*) FROM tasks")) == arguments.tasks
        db.session.remove()
        db.engine.dispose()
    admin.drop_database(url)
    admin.drop_database(template)

    fake, copy = statistics.median(fake_times), statistics.median(copy_times)
    print(
        f"seed fake: median {fake:6.2f} s for {arguments.tasks} tasks ({arguments.rounds} rounds)"
    )
    print(f"bare COPY: median {copy:6.2f} s for the same rows")
    print(f"    ratio: COPY / seed fake = {copy / fake:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
