"""The generated service against what a team would write instead, side by side: the same
`GET /api/v1/tasks/?page_size=20` signed in as the administrator, over 10,000 tasks with two
tags each, uncached (NullCache), rate limits off, 2 workers each, from

- the generated service as shipped: gunicorn.conf.py, production settings, every layer on;
- an idiomatic Flask app (peers/flask_app.py) under gunicorn;
- a FastAPI + SQLModel app in full-stack-fastapi-template's style (peers/fastapi_app.py)
  under uvicorn;
- bare Flask + psycopg2 sending the statements the generated endpoint sends (bare_app.py).

The servers take turns, round after round, so every figure of a round shares the
machine's state. Beside throughput, each run measures the CPU time a request costs: the
server's processes, and PostgreSQL's (its server must run on this machine), read from
/proc; on a shared machine that figure moves far less than requests per second do.
It replaces the "Against the alternatives" section of docs/benchmarks.md.
The peers need bench/peers/requirements.txt. The package under test is `my_service` on
PYTHONPATH (example/ by default, any render of the default variant otherwise).

    make bench
    PYTHONPATH=example/src:example .venv/bin/python bench/peer_comparison.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

import jwt
from service_topology import HERE, SERVER, bare_server, populate, recorded_statements, wrk
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.callers import PASSWORD
from tests.topology.conftest import ADMIN_EMAIL, migrated, service_env
from tests.topology.load import call
from tests.topology.processes import Gunicorn, free_port, listening, wait_for

from my_service.database import admin

PAGE_SIZE = 20
PATH = f"/api/v1/tasks/?page_size={PAGE_SIZE}"
PEERS = HERE / "peers"
PEER_SECRET = uuid.uuid4().hex * 2
SECTION = "## Against the alternatives"
TICKS = os.sysconf("SC_CLK_TCK")


def tag_every_task(url, tags: int = 20) -> None:
    """Give every task two of `tags` tags."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(
            text("INSERT INTO tags (name) SELECT 'tag-' || n FROM generate_series(1, :n) AS n"),
            {"n": tags},
        )
        connection.execute(
            text(
                "INSERT INTO task_tags (task_id, tag_id) SELECT t.id, g.id FROM tasks t"
                " JOIN tags g ON g.name IN ('tag-' || (1 + t.id % :n),"
                " 'tag-' || (1 + (t.id + 1) % :n))"
            ),
            {"n": tags},
        )
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


class Peer:
    """A peer app as its users run it: `command` (a module and its arguments, `{port}` where
    its port goes) run with Python, on a port of its own."""

    def __init__(self, command: list[str], dsn: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="peer-"))
        env = {**os.environ, "DATABASE_URL": dsn, "JWT_SECRET_KEY": PEER_SECRET}
        env["PYTHONPATH"] = str(PEERS)
        with (self.folder / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", *(part.format(port=self.port) for part in command)],
                env=env,
                cwd=PEERS,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_for(self.ready, f"{command[0]} accepting connections")

    def ready(self) -> bool:
        """Whether it answers (failing at once if it exited)."""
        if self.process.poll() is not None:
            log = (self.folder / "server.log").read_text(errors="replace")
            raise RuntimeError(f"the peer exited {self.process.returncode}:\n{log[-3000:]}")
        return listening(self.port)

    def close(self) -> None:
        """Stop it and its workers."""
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def cpu_seconds(group: int, postmaster: int) -> tuple[float, float]:
    """CPU time spent so far by a server (its process group) and by PostgreSQL (the
    postmaster's children, live and, through its cutime, exited)."""
    server = database = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited meanwhile
        pid, parent, process_group = int(stat.parent.name), int(fields[1]), int(fields[2])
        used = (int(fields[11]) + int(fields[12])) / TICKS
        if process_group == group:
            server += used
        if parent == postmaster:
            database += used
        if pid == postmaster:
            database += (int(fields[13]) + int(fields[14])) / TICKS
    return server, database


def postmaster_of(url) -> int:
    """The process id of the PostgreSQL server at `url`, on this machine."""
    engine = create_engine(url)
    with engine.connect() as connection:
        folder = connection.scalar(text("SHOW data_directory"))
    engine.dispose()
    return int((Path(folder) / "postmaster.pid").read_text().split()[0])


def measured(target: tuple[str, dict], group: int, postmaster: int, options) -> dict:
    """A wrk run against a target, with the CPU milliseconds each request cost."""
    url, headers = target
    wrk(url, 1, options.connections, headers, warm_up=False)
    before = cpu_seconds(group, postmaster)
    run = wrk(url, options.seconds, options.connections, headers, warm_up=False)
    after = cpu_seconds(group, postmaster)
    run["server_ms"] = 1000 * (after[0] - before[0]) / run["requests"]
    run["database_ms"] = 1000 * (after[1] - before[1]) / run["requests"]
    return run


def peer_token(user_id: int) -> str:
    """An access token the peers accept (flask-jwt-extended's claims are a superset)."""
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "type": "access", "fresh": False, "jti": uuid.uuid4().hex}
    claims |= {"iat": now, "nbf": now, "exp": now + timedelta(hours=2)}
    return jwt.encode(claims, PEER_SECRET, algorithm="HS256")


def same_page(targets: dict[str, tuple[str, dict]]) -> None:
    """The service and its peers answer the same 20 tasks with the same fields (the bare
    baseline answers the rows of the last statement it sends)."""
    pages = {}
    for name, (url, headers) in targets.items():
        if name == "bare":
            continue
        answer = call(url.split(PATH)[0], "GET", PATH, headers=headers)
        if answer.status != HTTPStatus.OK:
            raise RuntimeError(f"{name} answered {answer.status}: {answer.body}")
        pages[name] = [(row["id"], sorted(row), sorted(row["tags"])) for row in answer.body]
    first = pages["generated"]
    for name, page in pages.items():
        if len(page) != PAGE_SIZE or page != first:
            raise RuntimeError(f"{name} answered another page: {page[:2]} against {first[:2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="tasks in the table")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server takes")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--output", type=Path, default=HERE.parent / "docs" / "benchmarks.md")
    options = parser.parse_args()
    url = make_url(SERVER).set(database="bench_peers")
    admin.drop_database(url)
    admin.create_database(url)
    migrated(url)
    populate(url, options.rows)
    tag_every_task(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    servers: list = []
    try:
        rounds = compare(options, url, folder, servers)
    finally:
        for server in servers:
            server.close()
        shutil.rmtree(folder, ignore_errors=True)
        admin.drop_database(url)
    write_section(options, rounds)


def compare(options, url, folder: Path, servers: list) -> dict[str, list[dict]]:
    """Each server's wrk figures, round by round."""
    statements, _count = recorded_statements(url, folder, PATH)
    dsn = url.render_as_string(hide_password=False)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    service = Gunicorn(service_env(url, CACHE_TYPE="NullCache"), 2)
    servers.append(service)
    wait_for(lambda: call(service.url, "GET", "/health/live").status == HTTPStatus.OK, "health")
    signed_in = call(
        service.url, "POST", "/api/v1/auth/token", {"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    engine = create_engine(url)
    with engine.connect() as connection:
        admin_id = connection.scalar(
            text("SELECT id FROM users WHERE email = :e"), {"e": ADMIN_EMAIL}
        )
    engine.dispose()
    bearer = {"Authorization": f"Bearer {peer_token(admin_id)}"}
    flask_peer = Peer(["gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "flask_app:app"], dsn)
    servers.append(flask_peer)
    fastapi_peer = Peer(
        [
            "uvicorn",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--no-access-log",
            "--port",
            "{port}",
            "fastapi_app:app",
        ],
        dsn,
    )
    servers.append(fastapi_peer)
    bare = bare_server(plain, statements, 2)
    servers.append(bare)
    targets = {
        "generated": (
            service.url + PATH,
            {"Authorization": f"Bearer {signed_in.body['access_token']}"},
        ),
        "flask": (flask_peer.url + PATH, bearer),
        "fastapi": (fastapi_peer.url + PATH, bearer),
        "bare": (bare.url + PATH, {}),
    }
    same_page(targets)
    groups = {name: server.process.pid for name, server in zip(targets, servers, strict=True)}
    postmaster = postmaster_of(url.set(database="postgres"))
    rounds: dict[str, list[dict]] = {name: [] for name in targets}
    for number in range(options.rounds):
        for name, target in targets.items():
            rounds[name].append(measured(target, groups[name], postmaster, options))
            print(f"round {number + 1} {name}: {rounds[name][-1]}", flush=True)
    return rounds


NAMES = {
    "generated": "The generated service as shipped (gunicorn.conf.py, production settings)",
    "flask": "Idiomatic Flask: Flask-SQLAlchemy, flask-smorest, flask-jwt-extended (gunicorn)",
    "fastapi": "FastAPI + SQLModel, full-stack-fastapi-template's routes (uvicorn)",
    "bare": "Bare Flask + psycopg2 sending the generated endpoint's statements (gunicorn)",
}


def write_section(options: argparse.Namespace, rounds: dict[str, list[dict]]) -> None:
    """Print the comparison and put it in options.output, replacing the section's last run."""
    lines = [
        "| Server | req/s, each round | Median req/s | Median p50 | CPU ms per request:"
        " server + PostgreSQL (median) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, runs in rounds.items():
        each = ", ".join(f"{run['rps']:.0f}" for run in runs)
        rps = statistics.median(run["rps"] for run in runs)
        p50 = statistics.median(run["p50"] for run in runs)
        server = statistics.median(run["server_ms"] for run in runs)
        database = statistics.median(run["database_ms"] for run in runs)
        lines.append(
            f"| {NAMES[name]} | {each} | {rps:.0f} | {p50:.1f} ms |"
            f" {server:.2f} + {database:.2f} |"
        )

    def ratio(other: str) -> str:
        each = [
            g["rps"] / o["rps"] for g, o in zip(rounds["generated"], rounds[other], strict=True)
        ]
        listed = ", ".join(f"{value:.2f}" for value in each)
        return f"{statistics.median(each):.2f}× (rounds: {listed})"

    def cost(name: str) -> float:
        return statistics.median(run["server_ms"] + run["database_ms"] for run in rounds[name])

    faster = max(("flask", "fastapi"), key=lambda n: statistics.median(r["rps"] for r in rounds[n]))
    section = (
        f"{SECTION}\n\n"
        f"`GET {PATH}` as the administrator, {options.rows:,} tasks with two tags each, uncached"
        " (NullCache), rate limits off, 2 workers per server, wrk with"
        f" {options.connections} connections for {options.seconds} s per run; the servers take"
        f" turns, {options.rounds} rounds (bench/peer_comparison.py).\n\n"
        + "\n".join(lines)
        + f"\n\nGenerated / the faster peer ({faster}): {ratio(faster)}. "
        f"Generated / bare: {ratio('bare')}. CPU per request (server + PostgreSQL), generated"
        f" / {faster}: {cost('generated') / cost(faster):.2f}×; generated / bare:"
        f" {cost('generated') / cost('bare'):.2f}×.\n"
    )
    print(section)
    current = options.output.read_text() if options.output.exists() else "# Benchmarks\n"
    kept = current.split(SECTION)[0].rstrip("\n")
    options.output.write_text(f"{kept}\n\n{section}")


if __name__ == "__main__":
    main()
