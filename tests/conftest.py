"""Fixtures of the meta test suite: a snapshot of the template and the named variants."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import VARIANTS, snapshot_template
from tools.rendering import render

# Copier reads user settings (default answers, trusted templates) from the
# machine; the suite must not depend on them.
os.environ["COPIER_SETTINGS_PATH"] = str(Path(__file__).with_name("copier-settings.yml"))


@pytest.fixture(scope="session", autouse=True)
def shared_mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One mypy cache for every project the run type-checks (variants, the fresh install,
    the updated project, pre-commit), shared by the test workers of the run.

    Most of a cold run (about 8 CPU-seconds) is mypy reading the dependencies, which are the
    same versions everywhere; with the cache each later run checks only its own modules
    (under 1 s). mypy checks each cached module against its source's hash and writes its
    cache files whole, so projects that share a module name, or two runs at once, still get
    every error.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ["MYPY_CACHE_DIR"] = str(shared / "mypy-cache")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git snapshot of the template's working tree."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def variant(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Render a named variant once per session, with its post-copy tasks run."""
    rendered: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in rendered:
            destination = tmp_path_factory.mktemp(f"variant-{name}") / "project"
            rendered[name] = render(template, destination, VARIANTS[name], tasks=True)
        return rendered[name]

    return get


# Tests that share an expensive fixture run on one worker, one after the other. pytest-xdist's
# `xdist_group` mark no longer groups anything under pytest 9.2 (it renames the tests' node ids,
# which pytest now ignores: pytest-xdist issue 1386), and says nothing: every worker that drew
# one of a module's tests built the module's fixture again. This suite's scheduler groups by
# where a test is, which the controller knows without collecting anything.
ONE_WORKER = {
    "tests/test_kubernetes.py": "one `make kubernetes-check`; two at once break its tools folder",
    "tests/test_production_install.py": "one built wheel, installed once",
    "tests/test_update.py": "one team project, updated once",
}
# Modules whose module-scoped fixture is parametrized: one worker per parameter.
ONE_WORKER_PER_PARAMETER = {"tests/test_render_matrix.py": "one render per answer set"}


def work_unit(nodeid: str) -> str:
    """The unit of work a test is scheduled in: its module, its module's parameter, or itself."""
    module, _, test = nodeid.partition("::")
    if module in ONE_WORKER:
        return module
    if module in ONE_WORKER_PER_PARAMETER and test.endswith("]"):
        return f"{module}[{test.partition('[')[2]}"
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Schedule work units (see `work_unit`) in collection order, slowest first."""
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 (only where xdist runs)

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    # xdist would put the units with the most tests first; SLOWEST_FIRST already orders them.
    config.option.loadscopereorder = False
    return SharedFixtureScheduling(config, log)


# The longest tests, longest first (`make test` prints the slowest with --durations):
# started first, they overlap the many short ones instead of running alone at the end.
SLOWEST_FIRST = (
    "tests/test_variants.py::test_variant_holds_under_its_deployed_topology_and_its_faults",
    "tests/test_fresh_install.py",
    "tests/test_update.py",
    "tests/test_variants.py::test_variant_passes_its_own_test_suite_on_postgresql",
    "tests/test_variants.py::test_default_variant_survives_fuzzing",
    "tests/test_structure.py::test_the_recipe_for_removing_the_example_domain",
    "tests/test_static_checks.py::test_every_pin_installs_from_wheels",
    "tests/test_static_checks.py::test_python_315_installs_from_wheels",
    "tests/test_production_install.py",
    "tests/test_expand_contract.py",
    "tests/test_kubernetes.py",
)


def slowness_rank(item: pytest.Item) -> int:
    """The item's place in SLOWEST_FIRST; everything else after, in collection order."""
    for rank, prefix in enumerate(SLOWEST_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest tests first, so the workers finish together."""
    items.sort(key=slowness_rank)
