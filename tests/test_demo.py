"""`make demo` in a generated project leaves a living service: seeded, with fake data, served,
and its URLs printed."""

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port, fresh_database, project_env, wait_until_answers

pytestmark = pytest.mark.slow


def get_json(url: str, token: str):
    """The JSON body of a GET as the bearer of `token`."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def sign_in(base: str, email: str, password: str) -> str:
    """An access token for the account."""
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["access_token"]


def test_make_demo_serves_seeded_data_and_prints_its_urls(variant):
    project = variant("default")
    port = free_port()
    env = {**project_env(project, "unused", "psycopg2"), "APP_ENV": "development"}
    env["DATABASE_URL"] = fresh_database("meta_demo", "psycopg2")
    command = ["make", "demo", f"PORT={port}", f"VENV={Path(sys.prefix)}"]
    process = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    try:
        for line in process.stdout:  # what `make demo` prints before it serves
            printed.append(line)
            if "Health check" in line:
                break
        [password] = re.findall(
            r"dev@example\.com signs in with the password (\S+)", "".join(printed)
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(f"{base}/health/ready", process)
        token = sign_in(base, "dev@example.com", password)
        tasks = get_json(f"{base}/api/v1/tasks/", token)
        tags = {tag["name"] for tag in get_json(f"{base}/api/v1/tags/", token)}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
    assert len(tasks) > 0
    assert {"bug", "feature", "chore", "docs"} <= tags
    for url in ("/api/v1/tasks/", "/api/docs", "/health/ready", "/api/v1/auth/token"):
        assert f"{base}{url}" in "".join(printed)
