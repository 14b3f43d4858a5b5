"""The default variant's OpenAPI document is what linters and client generators like:
Spectral finds nothing, and openapi-python-client builds a client that drives the API."""

import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import (
    BIN,
    ROOT,
    free_port,
    fresh_database,
    project_env,
    run,
    wait_until_answers,
)

pytestmark = pytest.mark.slow

PASSWORD = "the administrator's password"
SPECTRAL = ROOT / "tools" / "spectral" / "node_modules" / ".bin" / "spectral"
OPERATIONS = {
    "auth": {
        "sign_in",
        "refresh_tokens",
        "sign_out",
        "change_password",
        "request_password_reset",
        "reset_password",
    },
    "email": {"request_email_change", "confirm_email_change"},
    "users": {
        "list_users",
        "create_user",
        "get_current_user",
        "get_user",
        "update_user",
        "delete_user",
    },
    "projects": {
        "list_projects",
        "create_project",
        "get_project",
        "update_project",
        "delete_project",
        "archive_project",
        "unarchive_project",
    },
    "tasks": {"list_tasks", "create_task", "get_task", "update_task", "delete_task"},
    "tags": {"list_tags", "create_tag", "get_tag", "delete_tag"},
}


def test_spectral_finds_nothing_in_the_document(variant):
    if not SPECTRAL.exists():
        if os.environ.get("CI"):
            pytest.fail("Spectral is not installed: `make install` installs it with npm")
        pytest.skip("Spectral is not installed (needs npm): `make install` installs it")
    project = variant("default")
    result = run([str(SPECTRAL), "lint", "--fail-severity=hint", "docs/openapi.json"], project)
    assert "No results with a severity of 'hint' or higher found!" in result.stdout


@pytest.fixture(scope="module")
def client_package(variant, tmp_path_factory) -> Path:
    """The Python client openapi-python-client generates from the committed document."""
    project = variant("default")
    output = tmp_path_factory.mktemp("client")
    config = output / "config.yaml"
    config.write_text(
        "project_name_override: service-client\npackage_name_override: service_client\n"
    )
    command = [
        str(BIN / "openapi-python-client"),
        "generate",
        "--fail-on-warning",
        "--meta",
        "none",
    ]
    command += ["--path", str(project / "docs" / "openapi.json"), "--config", str(config)]
    # It formats what it writes with ruff, which it looks for on PATH.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run([*command, "--output-path", str(output / "service_client")], output, env)
    return output


def test_every_operation_gets_a_method_named_after_its_operation_id(client_package):
    api = client_package / "service_client" / "api"
    generated = {
        tag.name: {module.stem for module in tag.glob("*.py") if module.stem != "__init__"}
        for tag in api.iterdir()
        if tag.is_dir() and tag.name != "__pycache__"
    }
    assert generated == OPERATIONS


@pytest.fixture
def served(variant, tmp_path) -> str:
    """The default variant under gunicorn on a migrated database; its base URL."""
    project = variant("default")
    env = project_env(project, "unused", "psycopg2")
    env.update(
        APP_ENV="production",
        SECRET_KEY="meta-suite-secret-key-that-is-long-enough",
        JWT_SECRET_KEY="meta-suite-signing-key-that-is-long-enough",
        DATABASE_URL=fresh_database("meta_client", "psycopg2"),
        LOG_LEVEL="WARNING",
    )
    run([sys.executable, "-m", "flask", "db", "upgrade"], project, env)
    admin = [sys.executable, "-m", "flask", "users", "create-admin", "root@example.com"]
    created = subprocess.run(
        admin,
        cwd=project,
        env=env,
        input=f"{PASSWORD}\n",
        text=True,
        capture_output=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    port = free_port()
    command = ["gunicorn", "--bind", f"127.0.0.1:{port}", "my_service:create_app()"]
    server = subprocess.Popen(
        [sys.executable, "-m", *command], cwd=project, env=env, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_answers(f"{base}/health/ready", server)
    yield base
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def test_the_generated_client_drives_the_api_end_to_end(client_package, served, monkeypatch):
    monkeypatch.syspath_prepend(str(client_package))
    client_module = importlib.import_module("service_client")
    api = {name: importlib.import_module(f"service_client.api.{name}") for name in OPERATIONS}
    models = importlib.import_module("service_client.models")
    anonymous = client_module.Client(base_url=served, raise_on_unexpected_status=True)
    credentials = models.SignIn.from_dict({"email": "root@example.com", "password": PASSWORD})
    sign_in = importlib.import_module(f"{api['auth'].__name__}.sign_in")
    tokens = sign_in.sync(client=anonymous, body=credentials)
    assert tokens.token_type == "Bearer"
    client = client_module.AuthenticatedClient(
        base_url=served, token=tokens.access_token, raise_on_unexpected_status=True
    )

    def call(tag: str, operation: str, **arguments):
        module = importlib.import_module(f"{api[tag].__name__}.{operation}")
        return module.sync(client=client, **arguments)

    user = call(
        "users",
        "create_user",
        body=models.User.from_dict({"email": "ada@example.com", "name": "Ada"}),
    )
    assert isinstance(user, models.User)
    project = call(
        "projects",
        "create_project",
        body=models.Project.from_dict({"owner_id": user.id, "name": "Launch"}),
    )
    assert project.slug == "launch"
    body = {"project_id": project.id, "title": "Write docs", "tags": ["docs"]}
    task = call("tasks", "create_task", body=models.Task.from_dict(body))
    assert task.tags == ["docs"]
    listed = call("tasks", "list_tasks", project_id=project.id)
    assert [item.id for item in listed] == [task.id]
    change = models.TaskUpdate.from_dict({"status": "done"})
    assert call("tasks", "update_task", task_id=task.id, body=change).completed_at is not None
    assert call("tasks", "get_task", task_id=task.id).status.value == "done"

    twin = models.User.from_dict({"email": "ADA@example.com", "name": "Twin"})
    taken = call("users", "create_user", body=twin)
    assert isinstance(taken, models.ErrorResponse)
    assert (taken.error.status, taken.error.code, taken.error.field) == (409, "conflict", "email")
    missing = call("tasks", "get_task", task_id=987654321)
    assert isinstance(missing, models.ErrorResponse)
    assert missing.error.code == "not_found"
