"""Per-test isolation: the harness's rolled-back transaction against recreating the tables.

Runs the same small test body (insert a user, read it back) under two isolation
strategies, interleaved in one process against one PostgreSQL server:

- harness: the generated project's `rolled_back` (a transaction per test, savepoints
  for the code's commits), on a database the real migrations built once;
- recreate: `drop_all()` + `create_all()` before every test, as SQLite-era templates do.

It prints each strategy's median cost per test and the ratio. Uses example/ (the
default variant) and TEST_DATABASE_URL (default: the local server).

    make bench
    PYTHONPATH=example/src:example .venv/bin/python bench/harness_isolation.py --tests 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import make_url

from my_service import create_app
from my_service.database import admin
from my_service.extensions import db
from my_service.models import User
from tests.support import build_template, config_for, rolled_back

SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/x")


def test_body(number: int) -> None:
    """What one test does: write a row and read it back."""
    db.session.add(User(email=f"bench{number}@example.com", name="Bench"))
    db.session.commit()
    assert db.session.scalar(select(User).where(User.email == f"bench{number}@example.com"))


def harness_test(app, number: int) -> None:
    with rolled_back(app):
        test_body(number)


def recreate_test(app, number: int) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        test_body(number)
        db.session.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per strategy")
    arguments = parser.parse_args()

    base = make_url(SERVER).set(drivername="postgresql+psycopg2")
    template = base.set(database="bench_isolation_template")
    harness_url, recreate_url = (base.set(database=f"bench_isolation_{n}") for n in ("a", "b"))
    build_template(template, run_id=str(time.time()))
    for url in (harness_url, recreate_url):
        admin.drop_database(url)
        admin.create_database(url, template=template.database)
    harness_app, recreate_app = create_app(config_for(harness_url)), create_app(
        config_for(recreate_url)
    )

    strategies: dict[str, tuple[Callable, object]] = {
        "harness": (harness_test, harness_app),
        "recreate": (recreate_test, recreate_app),
    }
    timings: dict[str, list[float]] = {name: [] for name in strategies}
    for number in range(arguments.tests):
        for name, (run, app) in strategies.items():
            start = time.perf_counter()
            run(app, number)
            timings[name].append(time.perf_counter() - start)

    for app in (harness_app, recreate_app):
        with app.app_context():
            db.engine.dispose()
    for url in (harness_url, recreate_url, template):
        admin.drop_database(url)

    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, median in medians.items():
        print(f"{name:>9}: median {median * 1000:7.2f} ms per test over {arguments.tests} tests")
    print(
        f"    ratio: recreating the tables costs {medians['recreate'] / medians['harness']:.1f}x "
        "the harness's rolled-back transaction"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
