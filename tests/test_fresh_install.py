"""A rendered project installs from nothing with its own `make install` and passes `make test`.

This proves the declared dependencies are complete, and that with no database
URL set the suite runs on the embedded PostgreSQL server. It is also the default
variant's own suite run, with coverage as the generated CI runs it (the other
variants run theirs in test_variants.py). That the suite still passes once a team has
added migrations of its own is shown by test_update.py, whose team does just that.
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import GIT_IDENTITY, VARIANTS, inner_temp_root, run
from tools.rendering import render

# The project is installed outside pytest's temp root (see `installed`), on one worker
# (ONE_WORKER in conftest.py).
pytestmark = pytest.mark.slow

UNSET = {"APP_ENV", "DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "PYTHONPATH", "VIRTUAL_ENV"}


@pytest.fixture(scope="module")
def installed(template) -> Iterator[tuple[Path, dict[str, str]]]:
    """The default project, rendered with its tasks and installed with `make install`.

    Outside pytest's temp root: run as root, the embedded server drops to a user of its own
    and opens the folders above its data to it, and any pytest session started meanwhile (a
    second run, an editor's) sets that root back to mode 0700; the server then stops with
    "could not open file .../global/pg_control: Permission denied".
    """
    folder = Path(tempfile.mkdtemp(prefix="fresh-install-"))
    project = render(template, folder / "project", VARIANTS["default"], tasks=True)
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(GIT_IDENTITY, PYTEST_DEBUG_TEMPROOT=inner_temp_root(project))
    run(["make", "install"], project, env, timeout=900)
    yield project, env
    shutil.rmtree(folder, ignore_errors=True)


def test_default_project_installs_from_scratch_and_passes_on_embedded_postgresql(installed):
    project, env = installed
    assert (project / ".venv" / "bin" / "flask").exists()
    run(["make", "lint"], project, env)
    # In parallel and with coverage, as the generated CI runs it: the fail_under gate holds.
    result = run(["make", "test"], project, {**env, "PYTEST_ADDOPTS": "--cov"})
    assert " passed" in result.stdout and " failed" not in result.stdout
    assert re.search(r"Required test coverage of \d+(\.\d+)?% reached", result.stdout)
    assert (project / "instance" / "postgres" / "PG_VERSION").exists(), "embedded server not used"
