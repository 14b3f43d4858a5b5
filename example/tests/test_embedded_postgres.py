"""The embedded PostgreSQL: several processes that start it at once (pytest workers,
`flask run`, `make erd`) share one server, and a server that cannot start says where."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from my_service.database import embedded

from .support import ROOT

PROCESSES = 4
JOIN = """
import sys
from my_service.database.embedded import embedded_database_url
print(embedded_database_url(sys.argv[1], sys.argv[2], "postgresql+psycopg2"))
"""


def test_processes_that_start_the_embedded_server_at_once_share_it(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("XDG_RUNTIME_DIR", None)
    # Each with a temporary folder of its own, as a test runner and `make erd` may have; short
    # paths, since the server's socket may go there and a socket path has a length limit.
    folders = [tempfile.mkdtemp(prefix=f"embedded-{n}-") for n in range(PROCESSES)]
    try:
        starts = [
            subprocess.Popen(
                [sys.executable, "-c", JOIN, str(tmp_path / "instance"), f"joined_{n}"],
                env={**env, "TMPDIR": folder},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n, folder in enumerate(folders)
        ]
        results = [start.communicate(timeout=240) for start in starts]
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    assert [start.returncode for start in starts] == [0] * PROCESSES, results
    servers = {out.strip().rsplit("/", 1)[0] for out, _ in results}
    assert len(servers) == 1, servers


def test_a_server_that_cannot_start_names_its_folder(tmp_path: Path):
    data_dir = tmp_path / "instance" / "postgres"
    data_dir.mkdir(parents=True)
    (data_dir / "PG_VERSION").write_text("9\n")  # a cluster of another major version
    with pytest.raises(embedded.EmbeddedServerError) as refused:
        embedded.embedded_database_url(str(tmp_path / "instance"), "none", "postgresql+psycopg2")
    [line] = str(refused.value).splitlines()
    assert str(data_dir) in line
