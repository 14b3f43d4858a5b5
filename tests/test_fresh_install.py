"""A rendered project installs from nothing with its own `make install` and passes `make test`.

This proves the declared dependencies are complete, and that with no database
URL set the suite runs on the embedded PostgreSQL server.
"""

import os

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
    result = run(["make", "test"], project, env)
    assert " passed" in result.stdout and " failed" not in result.stdout
    assert (project / "instance" / "postgres" / "PG_VERSION").exists(), "embedded server not used"
