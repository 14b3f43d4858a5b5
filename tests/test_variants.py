"""The named variants: each is rendered with its tasks, linted, and passes its own test suite."""

import json
import re
import sys

import pytest

from tests.support import BIN, VARIANTS, project_env, run, topology_tests

pytestmark = pytest.mark.slow


def driver(name: str) -> str:
    return VARIANTS[name].get("db_driver", "psycopg2")


# The default variant is linted (black, ruff, mypy, bandit, squawk) by its own `make lint`
# in test_fresh_install.py, from its own environment: here, the others.
LINTED_HERE = sorted(set(VARIANTS) - {"default"})


@pytest.mark.parametrize("name", LINTED_HERE)
def test_variant_passes_black_and_ruff(variant, name):
    project = variant(name)
    run([str(BIN / "black"), "--check", "--quiet", "."], cwd=project)
    run([str(BIN / "ruff"), "check", "--quiet", "."], cwd=project)


@pytest.mark.parametrize("name", LINTED_HERE)
def test_variant_passes_bandit_with_every_finding_explained(variant, name):
    project = variant(name)
    # Lows that are false positives carry `# nosec` with the reason beside them;
    # anything bandit still finds, at any severity, fails.
    result = run([str(BIN / "bandit"), "-r", "src", "-f", "json", "-q"], cwd=project)
    report = json.loads(result.stdout)
    assert report["results"] == []
    assert report["metrics"]["_totals"]["loc"] > 1000


# The default variant's suite runs once, in test_fresh_install.py, from its own `make install`.
@pytest.mark.parametrize("name", sorted(set(VARIANTS) - {"default"}))
def test_variant_passes_its_own_test_suite_on_postgresql(variant, name):
    project = variant(name)
    env = project_env(project, f"meta_{name}_test", driver(name))
    # In parallel and with coverage, as the generated CI runs it: each xdist worker builds
    # its own database from the template, and the project's fail_under gate holds.
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2", "--cov"]
    result = run(command, project, env)
    assert " passed" in result.stdout and " failed" not in result.stdout
    assert re.search(r"Required test coverage of \d+(\.\d+)?% reached", result.stdout)


@pytest.mark.parametrize("name", LINTED_HERE)
def test_variant_type_checks_with_no_errors(variant, name):
    project = variant(name)
    result = run([str(BIN / "mypy")], project, project_env(project, "unused", driver(name)))
    assert result.stdout.startswith("Success: no issues found")


def test_default_variant_passes_its_pre_commit_hooks_offline(variant):
    project = variant("default")
    env = project_env(project, "unused", driver("default"))
    run([str(BIN / "pre-commit"), "run", "--all-files"], project, env)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_is_a_git_repository_with_main_and_develop(variant, name):
    project = variant(name)
    branches = run(["git", "branch", "--format=%(refname:short)"], project).stdout.split()
    assert sorted(branches) == ["develop", "main"]
    assert run(["git", "status", "--porcelain"], project).stdout == ""
    assert (project / ".env").exists()
    assert "SECRET_KEY" not in (project / ".copier-answers.yml").read_text()


def test_default_variant_survives_fuzzing_from_its_own_openapi_document(variant):
    project = variant("default")
    env = project_env(project, "meta_fuzz_test", driver("default"))
    env["FUZZ_EXAMPLES"] = "50"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "fuzz", "tests/fuzz"]
    result = run(command, project, env)
    [summary] = [line for line in result.stdout.splitlines() if line.startswith("schemathesis:")]
    requests, errors = (int(word) for word in summary.split() if word.isdigit())
    assert requests >= 500
    assert errors == 0


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_holds_under_its_deployed_topology_and_its_faults(variant, name):
    """Real gunicorn workers, two replicas, PgBouncer, a database and a Redis that fail.

    The default variant runs every topology test; the others, those their answers change.
    """
    project = variant(name)
    env = project_env(project, f"meta_{name}_topology", driver(name))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"]
    tests = topology_tests(name, project)
    result = run([*command, "-m", "topology or faults", *tests], project, env)
    assert " passed" in result.stdout
    assert " skipped" not in result.stdout and " failed" not in result.stdout
