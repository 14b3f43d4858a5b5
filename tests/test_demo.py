"""`make demo` in a generated project leaves a living service: seeded, with fake data, served,
and its URLs printed."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port, fresh_database, project_env, wait_until_answers

pytestmark = pytest.mark.slow


def get_json(url: str):
    """The JSON body of a GET."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


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
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(f"{base}/health/ready", process)
        tasks = get_json(f"{base}/api/v1/tasks/")
        tags = {tag["name"] for tag in get_json(f"{base}/api/v1/tags/")}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert len(tasks) > 0
    assert {"bug", "feature", "chore", "docs"} <= tags
    for url in ("/api/v1/tasks/", "/api/docs", "/health/ready"):
        assert f"{base}{url}" in output
