"""The package as the Docker image installs it: runtime pins only, no source tree, no dev tools.

It must migrate, seed and answer from any folder, find its migrations and seed
sets inside the package, and leave development-only commands out.
"""

import os
import sys

import pytest
from sqlalchemy.engine import make_url

from tests.support import SERVER_URL, run

pytestmark = pytest.mark.slow

SMOKE = """
from my_service import create_app
client = create_app().test_client()
assert client.get("/health/ready").status_code == 200
users = client.get("/api/v1/users/").get_json()
assert [user["email"] for user in users] == [], users
print("smoke ok")
"""


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    url = make_url(SERVER_URL).set(drivername="postgresql+psycopg2", database="meta_production")
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH"}}
    env.update(
        APP_ENV="production",
        SECRET_KEY="meta-suite-production-secret",
        DATABASE_URL=url.render_as_string(hide_password=False),
        LOG_LEVEL="WARNING",
    )
    return env


def test_the_installed_package_migrates_seeds_and_serves_from_anywhere(
    variant, tmp_path, production_env
):
    project = variant("default")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "-r", str(project / "requirements.txt")], tmp_path, timeout=900)
    run([*pip, "--no-deps", str(project)], tmp_path, timeout=900)
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
    smoke = run([str(venv / "bin" / "python"), "-c", SMOKE], elsewhere, production_env)
    assert "smoke ok" in smoke.stdout
