"""The suite's own scheduling: the tests that share an expensive fixture are one unit of work,
so one worker builds the fixture once, and every other test is a unit of its own."""

import subprocess
import sys
from collections import defaultdict

from tests.conftest import ONE_WORKER, ONE_WORKER_PER_PARAMETER, work_unit
from tests.support import ROOT


def collected() -> list[str]:
    """The node ids of the whole suite, as a run collects them."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line.startswith("tests/")]


def test_tests_that_share_a_fixture_are_one_unit_and_the_rest_are_one_each():
    nodeids = collected()
    units: dict[str, set[str]] = defaultdict(set)
    for nodeid in nodeids:
        units[work_unit(nodeid)].add(nodeid)
    for module in ONE_WORKER:
        tests = {nodeid for nodeid in nodeids if nodeid.startswith(f"{module}::")}
        assert len(tests) > 1, f"{module} has no tests to share a worker: update ONE_WORKER"
        assert units[module] == tests
    for module in ONE_WORKER_PER_PARAMETER:
        parameters = [unit for unit in units if unit.startswith(f"{module}[")]
        assert len(parameters) > 1, f"{module} has no parameters: update ONE_WORKER_PER_PARAMETER"
        for unit in parameters:
            # Each of the module's tests with this parameter, and nothing else.
            parameter = unit.removeprefix(module)
            assert units[unit] == {
                nodeid
                for nodeid in nodeids
                if nodeid.startswith(f"{module}::") and nodeid.endswith(parameter)
            }
    grouped = set(ONE_WORKER) | set(ONE_WORKER_PER_PARAMETER)
    for unit, tests in units.items():
        if not unit.startswith(tuple(grouped)):
            assert tests == {unit}, f"{unit} is scheduled with other tests"
