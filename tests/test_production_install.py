"""The package as the Docker image installs it: runtime pins only, no source tree, no dev tools.

It must migrate, seed and answer from any folder, find its migrations and seed
sets inside the package, and leave development-only commands out.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support import BIN, SERVER_URL, free_port, run, wait_until_answers

# One worker runs both, so they share the installed environment (ONE_WORKER in conftest.py).
pytestmark = pytest.mark.slow

SMOKE = """
from my_service import create_app
client = create_app().test_client()
assert client.get("/health/ready").status_code == 200
assert client.get("/api/v1/users/").status_code == 401
signed_in = client.post(
    "/api/v1/auth/token", json={"email": "root@example.com", "password": "a long admin password"}
)
assert signed_in.status_code == 200, signed_in.get_json()
headers = {"Authorization": "Bearer " + signed_in.get_json()["access_token"]}
users = client.get("/api/v1/users/", headers=headers).get_json()
assert [user["email"] for user in users] == ["root@example.com"], users
print("smoke ok")
"""


@pytest.fixture(scope="module")
def installed(variant, tmp_path_factory) -> tuple[Path, Path]:
    """The default variant and a virtual environment holding what its image holds: the
    hash-checked runtime pins and the package, nothing else."""
    project = variant("default")
    venv = tmp_path_factory.mktemp("production") / "venv"
    uv = [str(BIN / "uv"), "--quiet"]
    run([*uv, "venv", "--python", sys.executable, str(venv)], venv.parent)
    target = ["--python", str(venv / "bin" / "python")]
    # As the Dockerfile installs them: uv, every pin hash-checked.
    sync = ["pip", "sync", *target, "--require-hashes", str(project / "requirements.txt")]
    run([*uv, *sync], venv.parent, timeout=900)
    run([*uv, "pip", "install", *target, "--no-deps", str(project)], venv.parent, timeout=900)
    return project, venv


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    url = make_url(SERVER_URL).set(drivername="postgresql+psycopg2", database="meta_production")
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH"}}
    env.update(
        APP_ENV="production",
        SECRET_KEY="meta-suite-production-secret-of-32-bytes-and-more",
        JWT_SECRET_KEY="meta-suite-production-signing-key-of-32-bytes",
        DATABASE_URL=url.render_as_string(hide_password=False),
        LOG_LEVEL="WARNING",
    )
    return env


def test_the_installed_package_migrates_seeds_and_serves_from_anywhere(
    installed, tmp_path, production_env
):
    _, venv = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    flask = [str(venv / "bin" / "flask"), "--app", "my_service"]
    run([*flask, "dbtools", "create"], elsewhere, production_env)
    run([*flask, "dbtools", "wait", "--timeout", "10"], elsewhere, production_env)
    run([*flask, "db", "downgrade", "base"], elsewhere, production_env)
    run([*flask, "db", "upgrade"], elsewhere, production_env)
    seeded = run([*flask, "seed", "run"], elsewhere, production_env).stdout
    assert "applied 0001_reference_tags" in seeded
    assert "0002_development_user" not in seeded  # development only
    commands = run([*flask, "seed", "--help"], elsewhere, production_env).stdout
    listed = {
        line.split()[0] for line in commands.split("Commands:")[1].splitlines() if line.strip()
    }
    assert listed == {"run", "status"}  # no `fake`: Faker is a development dependency
    create_admin = [*flask, "users", "create-admin", "root@example.com"]
    created = subprocess.run(
        create_admin,
        cwd=elsewhere,
        env=production_env,
        input="a long admin password\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    smoke = run([str(venv / "bin" / "python"), "-c", SMOKE], elsewhere, production_env)
    assert "smoke ok" in smoke.stdout


def test_the_image_command_serves_and_refuses_to_start_without_its_secret(
    installed, tmp_path, production_env
):
    """What the generated workflow's image job checks in Docker, checked here without Docker.

    The image's CMD (gunicorn with ./gunicorn.conf.py, FLASK_APP from the image) runs from a
    folder holding only that file: the readiness endpoint answers 200 after the migrations
    ran through `flask` with no --app, and without SECRET_KEY the server exits non-zero
    with a message naming it.
    """
    project, venv = installed
    dockerfile = (project / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "my_service:create_app()"]' in dockerfile
    assert "FLASK_APP=my_service" in dockerfile
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(project / "gunicorn.conf.py", home)
    port = free_port()
    database = make_url(production_env["DATABASE_URL"]).set(database="meta_image")
    env = {
        **production_env,
        "DATABASE_URL": database.render_as_string(hide_password=False),
        "FLASK_APP": "my_service",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "METRICS_PORT": str(free_port()),  # gunicorn's master serves the metrics there
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    run(["flask", "dbtools", "create"], home, env)
    run(["flask", "db", "upgrade"], home, env)
    server = subprocess.Popen(
        ["gunicorn", "my_service:create_app()"],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/health/ready", server)  # a 2xx answer
    except AssertionError as error:
        server.terminate()
        pytest.fail(f"{error}\n{server.communicate(timeout=30)[1][-2000:]}")
    server.terminate()
    server.communicate(timeout=30)
    without_secret = {key: value for key, value in env.items() if key != "SECRET_KEY"}
    refused = subprocess.run(
        ["gunicorn", "my_service:create_app()"],
        cwd=home,
        env=without_secret,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr, refused.stderr[-2000:]
