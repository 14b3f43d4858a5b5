"""The generated service as it is deployed: gunicorn workers on PostgreSQL, with tasks
tables of growing size, each figure measured side by side with its baseline in one run.

- overhead: the generated `GET /api/v1/tasks/` against a bare Flask handler that sends
  the very statements the endpoint sent (recorded from it) through psycopg2 and returns
  the page as JSON, both under gunicorn with the same workers;
- growth: the endpoint's p50 with 10,000, 100,000 and 1,000,000 tasks;
- cache: a cached read (SimpleCache, generations in PostgreSQL) against an uncached one;
- PgBouncer: through PgBouncer in transaction pooling against direct connections;
- observability: tracing on (spans sent over OTLP/HTTP to a local receiver) and Sentry on
  (a DSN of a local receiver; no errors occur, so what is measured is the SDK's per-request
  work) against both off.

Load comes from wrk (Debian's `wrk`), access logs are off in both servers. It uses example/
(the default variant) and TEST_DATABASE_URL's server, and writes its table to
docs/benchmarks.md.

    make bench
    PYTHONPATH=example/src:example .venv/bin/python bench/service_topology.py --seconds 5
"""

from __future__ import annotations

import argparse
import http.server
import os
import pickle  # nosec B403: a file for bench/bare_app.py, written and read by this benchmark
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from tests.callers import PASSWORD
from tests.topology.conftest import ADMIN_EMAIL, migrated, service_env
from tests.topology.load import call
from tests.topology.processes import Gunicorn, PgBouncer, wait_for
from tests.topology.test_traces_across_workers import Collector

from my_service import create_app
from my_service.database import admin
from my_service.extensions import db
from tests.support import config_for

HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/x")
PATH = "/api/v1/tasks/"
PROJECTS = 100


def populate(url, rows: int) -> None:
    """Grow the tasks table to `rows` rows, spread over the administrator's projects."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        owner = connection.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": ADMIN_EMAIL})
        if not connection.scalar(text("SELECT count(*) FROM projects")):
            connection.execute(
                text(
                    "INSERT INTO projects (owner_id, name, slug) SELECT :owner, 'Project ' || n,"
                    " 'project-' || n FROM generate_series(1, :projects) AS n"
                ),
                {"owner": owner, "projects": PROJECTS},
            )
        have = connection.scalar(text("SELECT count(*) FROM tasks"))
        connection.execute(
            text(
                "INSERT INTO tasks (project_id, title, priority, due_date)"
                " SELECT (SELECT min(id) FROM projects) + n % :projects, 'Task ' || n,"
                " 1 + n % 5, current_date + n % 365 FROM generate_series(:first, :last) AS n"
            ),
            {"projects": PROJECTS, "first": have + 1, "last": rows},
        )
        connection.execute(text("VACUUM ANALYZE tasks"))
    engine.dispose()


def recorded_statements(url, folder: Path, path: str = PATH) -> tuple[Path, int]:
    """The statements the endpoint sends for one page, recorded in-process, for the baseline."""
    config = config_for(url)
    config.CACHE_TYPE = "NullCache"
    app = create_app(config)
    client = app.test_client()
    signed_in = client.post("/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signed_in.json['access_token']}"}
    sent = []
    with app.app_context():
        engine = db.engine

        def record(_connection, _cursor, statement, parameters, *_context):
            sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        assert client.get(path, headers=headers).status_code == HTTPStatus.OK
        event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
    recorded = folder / "statements.pickle"
    recorded.write_bytes(pickle.dumps((sent, path.split("?", maxsplit=1)[0])))
    return recorded, len(sent)


def wrk(
    url: str, seconds: float, connections: int, headers: dict[str, str], warm_up: bool = True
) -> dict:
    """Requests per second, requests and p50/p99 in ms from a wrk run (after a one-second
    warm-up, unless told otherwise)."""
    command = ["wrk", "-t", "2", "-c", str(connections), "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if warm_up:
        subprocess.run([*command, "-d", "1s", url], capture_output=True, check=True)
    output = subprocess.run(
        [*command, "-d", f"{int(seconds)}s", url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk got errors from {url}:\n{output}")
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(percent: str) -> float:
        value, unit = re.search(rf"{percent}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * units[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": rate, "requests": requests, "p50": latency("50"), "p99": latency("99")}


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers every POST with 200 and drops it: stands in for Sentry's ingest."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args) -> None:
        """Quiet."""


def bare_server(dsn: str, statements: Path, workers: int) -> Gunicorn:
    """The baseline under gunicorn, with the same workers and gunicorn.conf.py; the service's
    settings only satisfy that file, which reads them as the master starts."""
    env = {**service_env(dsn, METRICS_ACCESS="off"), "BARE_DSN": dsn}
    env["BARE_STATEMENTS"] = str(statements)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    return Gunicorn(env, workers, app="bare_app:app")


class Bench:
    """The servers of one benchmark run, all closed at the end."""

    def __init__(self, options: argparse.Namespace, url) -> None:
        self.options, self.url = options, url
        self.servers: list = []

    def serve(self, database_url, **settings) -> tuple[str, dict[str, str]]:
        """A server of the service, and the headers of its administrator."""
        server = Gunicorn(service_env(database_url, **settings), self.options.workers)
        self.servers.append(server)
        wait_for(lambda: call(server.url, "GET", "/health/live").status == HTTPStatus.OK, "it")
        sign_in = {"email": ADMIN_EMAIL, "password": PASSWORD}
        token = call(server.url, "POST", "/api/v1/auth/token", sign_in).body["access_token"]
        return server.url + PATH, {"Authorization": f"Bearer {token}"}

    def measure(self, target: tuple[str, dict[str, str]]) -> dict:
        """One wrk run against a target."""
        return wrk(target[0], self.options.seconds, self.options.connections, target[1])

    def run(self, sizes: list[int], folder: Path) -> dict:
        """Every figure of the table."""
        uncached = self.serve(self.url, CACHE_TYPE="NullCache")
        figures: dict = {"growth": {}}
        for size in sizes:
            populate(self.url, size)
            figures["growth"][size] = self.measure(uncached)
        statements, figures["statements"] = recorded_statements(self.url, folder)
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        bare = bare_server(dsn, statements, self.options.workers)
        self.servers.append(bare)
        # Side by side, twice each, alternating: the better run of each counts.
        service_runs, bare_runs = [], []
        for _ in range(2):
            service_runs.append(self.measure(uncached))
            bare_runs.append(self.measure((bare.url + PATH, {})))
        figures["service"] = max(service_runs, key=lambda run: run["rps"])
        figures["bare"] = max(bare_runs, key=lambda run: run["rps"])
        figures["cached"] = self.measure(self.serve(self.url, CACHE_TYPE="SimpleCache"))
        user = self.url.username or "postgres"
        bouncer = PgBouncer(self.url.port or 5432, user, self.url.password or "")
        self.servers.append(bouncer)
        bounced = self.url.set(host="127.0.0.1", port=bouncer.port)
        target = self.serve(bounced, CACHE_TYPE="NullCache", DB_BEHIND_PGBOUNCER="true")
        figures["bounced"] = self.measure(target)
        figures["traced"], figures["sentry"] = self.observed()
        return figures

    def observed(self) -> tuple[dict, dict]:
        """The uncached read with tracing on, then with Sentry on."""
        collector = Collector()
        sentry = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=sentry.serve_forever, daemon=True).start()
        dsn = f"http://public@127.0.0.1:{sentry.server_address[1]}/1"
        try:
            traced = self.serve(
                self.url, CACHE_TYPE="NullCache", OTEL_EXPORTER_OTLP_ENDPOINT=collector.url
            )
            traced_run = self.measure(traced)
            if not collector.spans:
                raise RuntimeError("tracing was on, yet no span reached the collector")
            return traced_run, self.measure(
                self.serve(self.url, CACHE_TYPE="NullCache", SENTRY_DSN=dsn)
            )
        finally:
            for server in (collector.server, sentry):
                server.shutdown()
                server.server_close()

    def close(self) -> None:
        for server in self.servers:
            server.close()


def table_rows(sizes: list[int], figures: dict) -> list[tuple[str, str, str]]:
    """The table: what is compared, the ratio, the figures behind it."""

    def shown(run: dict) -> str:
        return f"{run['rps']:.0f} req/s, p50 {run['p50']:.1f} ms"

    largest, smallest, growth = sizes[-1], sizes[0], figures["growth"]
    service = figures["service"]
    rows = [
        (
            f"Generated endpoint / bare Flask + psycopg2 sending the same {figures['statements']}"
            f" statements, {largest:,} rows",
            f"{service['rps'] / figures['bare']['rps']:.2f}× throughput",
            f"{shown(service)} / {shown(figures['bare'])}",
        )
    ]
    rows += [
        (
            f"p50 with {size:,} rows / with {smallest:,} rows",
            f"{growth[size]['p50'] / growth[smallest]['p50']:.2f}×",
            shown(growth[size]),
        )
        for size in sizes
    ]
    for name, label in (
        ("cached", "Cached (SimpleCache) / uncached"),
        ("bounced", "Through PgBouncer / direct"),
        ("traced", "Traced (OTLP to a local receiver) / untraced"),
        ("sentry", "Sentry on (a local receiver, no errors) / off"),
    ):
        rows.append(
            (
                f"{label} read, {largest:,} rows",
                f"{figures[name]['rps'] / service['rps']:.2f}× throughput",
                f"{shown(figures[name])} / {shown(service)}",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="table sizes, ascending")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--output", type=Path, default=HERE.parent / "docs" / "benchmarks.md")
    options = parser.parse_args()
    sizes = [int(size) for size in options.rows.split(",")]
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    url = make_url(SERVER).set(database="bench_service")
    admin.drop_database(url)
    admin.create_database(url)
    migrated(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    bench = Bench(options, url)
    try:
        figures = bench.run(sizes, folder)
    finally:
        bench.close()
        shutil.rmtree(folder, ignore_errors=True)
        admin.drop_database(url)
    write_table(options, table_rows(sizes, figures))


def write_table(options: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    """Print the table and write it, with the machine it ran on, to options.output."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    engine = create_engine(make_url(SERVER).set(database="postgres"))
    with engine.connect() as connection:
        server = connection.scalar(text("SHOW server_version"))
    engine.dispose()
    lines = [
        "| Measure | Ratio | Figures |",
        "| --- | --- | --- |",
        *(f"| {measure} | {ratio} | {figures} |" for measure, ratio, figures in rows),
    ]
    table = "\n".join(lines)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    options.output.write_text(
        "# Benchmarks\n\n"
        "The default variant (example/) as it is deployed: gunicorn with"
        f" {options.workers} sync workers per server, on PostgreSQL {server}, loaded by wrk with"
        f" {options.connections} connections for {options.seconds:g} s per run, on"
        f" {os.cpu_count()} CPUs ({cpu}), {stamp}. Every ratio compares two runs made side by"
        " side in one run of `make bench` (bench/service_topology.py), which rewrites this"
        " file.\n\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    main()
