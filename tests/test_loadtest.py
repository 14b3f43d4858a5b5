"""`make loadtest` of the default variant: the service under gunicorn, locust signing in and
reading and writing projects and tasks for a few seconds, and a summary with no failures."""

import re

import pytest

from tests.support import BIN, fresh_database, project_env, run

pytestmark = pytest.mark.slow

SUMMARY = re.compile(
    r"requests +(?P<requests>\d+)\n +requests/s +(?P<rps>[\d.]+)\n +p50 +(?P<p50>\d+) ms\n"
    r" +p95 +(?P<p95>\d+) ms\n +failures +(?P<failures>\d+)"
)


def test_default_variant_load_test_prints_its_figures_and_has_no_failures(variant):
    project = variant("default")
    env = project_env(project, "unused", "psycopg2")
    database = fresh_database("meta_loadtest", "psycopg2")
    # Short and light: CI's time is tight, and a few seconds reach every path.
    env.update(LOADTEST_DATABASE_URL=database, LOADTEST_TIME="8s", LOADTEST_USERS="10")
    # Locust exits non-zero on any failed request, and `run` fails the test then.
    result = run(["make", "-s", "loadtest", f"BIN={BIN}"], project, env, timeout=120)
    figures = SUMMARY.search(result.stdout)
    assert figures, result.stdout[-3000:]
    assert int(figures["failures"]) == 0
    assert int(figures["requests"]) > 0 and float(figures["rps"]) > 0
    assert int(figures["p50"]) <= int(figures["p95"])
