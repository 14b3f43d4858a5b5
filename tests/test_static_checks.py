"""The delivery files of every rendered variant, and the template repository's own workflow,
pass the static checks a reviewer runs: zizmor (GitHub Actions security), hadolint
(Dockerfile), and check-jsonschema against the workflow, Dependabot and compose schemas.
All run offline."""

from pathlib import Path

import pytest

from tests.support import BIN, ROOT, VARIANTS, run
from tools.rendering import render

SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    "compose.yaml": "vendor.compose-spec",
}


@pytest.fixture(scope="module")
def rendered(template, tmp_path_factory) -> dict[str, Path]:
    return {
        name: render(template, tmp_path_factory.mktemp(f"static-{name}") / "p", answers)
        for name, answers in VARIANTS.items()
    }


WITH_CI = sorted(
    name for name, answers in VARIANTS.items() if answers.get("ci", "github") != "none"
)
WITH_DOCKER = sorted(name for name, answers in VARIANTS.items() if answers.get("docker", True))


def delivery_files(project: Path) -> list[str]:
    return [path for path in [*SCHEMAS, "Dockerfile"] if (project / path).exists()]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_ships_the_delivery_files_its_answers_ask_for(rendered, name):
    expected = []
    if name in WITH_CI:
        expected += [".github/workflows/ci.yml", ".github/dependabot.yml"]
    if name in WITH_DOCKER:
        expected += ["compose.yaml", "Dockerfile"]
    assert sorted(delivery_files(rendered[name])) == sorted(expected)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_files_match_their_schemas(rendered, name):
    project = rendered[name]
    for path, schema in SCHEMAS.items():
        if (project / path).exists():
            run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, path], project)


@pytest.mark.parametrize("name", WITH_CI)
def test_variant_workflows_have_no_zizmor_findings(rendered, name):
    project = rendered[name]
    result = run([str(BIN / "zizmor"), "--offline", "--no-progress", ".github"], project)
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_variant_dockerfile_has_no_hadolint_findings(rendered, name):
    project = rendered[name]
    run([str(BIN / "hadolint"), "--failure-threshold", "info", "Dockerfile"], project)


def test_the_template_repositorys_own_workflow_passes_zizmor_and_its_schema():
    workflows = ROOT / ".github" / "workflows"
    result = run([str(BIN / "zizmor"), "--offline", "--no-progress", str(workflows)], ROOT)
    assert "No findings to report" in result.stdout + result.stderr
    for workflow in sorted(workflows.glob("*.yml")):
        run(
            [
                str(BIN / "check-jsonschema"),
                "--builtin-schema",
                "vendor.github-workflows",
                str(workflow),
            ],
            ROOT,
        )
