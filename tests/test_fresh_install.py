"""A rendered project installs from nothing with its own `make install` and passes `make test`.

This proves the declared dependencies are complete, and that with no database
URL set the suite runs on the embedded PostgreSQL server. It is also the default
variant's own suite run, with coverage as the generated CI runs it (the other
variants run theirs in test_variants.py).
"""

import os
import re

import pytest

from tests.support import GIT_IDENTITY, VARIANTS, inner_temp_root, run
from tools.rendering import render

pytestmark = pytest.mark.slow

UNSET = {"APP_ENV", "DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "PYTHONPATH", "VIRTUAL_ENV"}


def test_default_project_installs_from_scratch_and_passes_on_embedded_postgresql(
    template, tmp_path
):
    project = render(template, tmp_path / "fresh", VARIANTS["default"], tasks=True)
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(GIT_IDENTITY, PYTEST_DEBUG_TEMPROOT=inner_temp_root(project))
    run(["make", "install"], project, env, timeout=900)
    assert (project / ".venv" / "bin" / "flask").exists()
    run(["make", "lint"], project, env)
    # In parallel and with coverage, as the generated CI runs it: the fail_under gate holds.
    result = run(["make", "test"], project, {**env, "PYTEST_ADDOPTS": "--cov"})
    assert " passed" in result.stdout and " failed" not in result.stdout
    assert re.search(r"Required test coverage of \d+(\.\d+)?% reached", result.stdout)
    assert (project / "instance" / "postgres" / "PG_VERSION").exists(), "embedded server not used"
