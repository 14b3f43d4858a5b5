"""Revalidation against reading, side by side: the same `GET /api/v1/tasks/?page_size=20`
signed in as the administrator, over 10,000 tasks with two tags each, rate limits off,
2 gunicorn workers per server, answered three ways:

- uncached: a server with caching off (NullCache), so every read runs the view;
- cached: a server with SimpleCache (the default variant's cache, generations in
  PostgreSQL), every read a hit;
- revalidated: the same server, each request sending the answer's current ETag in
  If-None-Match, so every answer is a 304 with no body.

The three take turns, round after round, so every figure of a round shares the machine's
state. It replaces the "Conditional requests" section of docs/benchmarks.md, after the
other benchmarks' sections. The package under test is `my_service` on PYTHONPATH
(example/ by default, any render of the default variant otherwise).

    make bench
    PYTHONPATH=example/src:example .venv/bin/python bench/conditional_requests.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
from http import HTTPStatus
from pathlib import Path

from peer_comparison import tag_every_task
from service_topology import HERE, SERVER, populate, wrk
from sqlalchemy.engine import make_url
from tests.callers import PASSWORD
from tests.topology.conftest import ADMIN_EMAIL, migrated, service_env
from tests.topology.load import call
from tests.topology.processes import Gunicorn, wait_for

from my_service.database import admin

PATH = "/api/v1/tasks/?page_size=20"
SECTION = "## Conditional requests"
NAMES = {
    "uncached": "Uncached read (NullCache): the view runs",
    "cached": "Cached read (SimpleCache): a hit, 200 with the page",
    "revalidated": "Revalidation (SimpleCache, current `If-None-Match`): 304, no body",
}


def started(url, cache_type: str, servers: list) -> tuple[Gunicorn, dict[str, str]]:
    """A server of the service with this cache, and its administrator's headers."""
    server = Gunicorn(service_env(url, CACHE_TYPE=cache_type), 2)
    servers.append(server)
    wait_for(lambda: call(server.url, "GET", "/health/live").status == HTTPStatus.OK, "health")
    sign_in = {"email": ADMIN_EMAIL, "password": PASSWORD}
    token = call(server.url, "POST", "/api/v1/auth/token", sign_in).body["access_token"]
    return server, {"Authorization": f"Bearer {token}"}


def compare(options, url, servers: list) -> dict[str, list[dict]]:
    """Each way's wrk figures, round by round."""
    uncached, headers = started(url, "NullCache", servers)
    cached, cached_headers = started(url, "SimpleCache", servers)
    first = call(cached.url, "GET", PATH, headers=cached_headers)
    assert first.status == HTTPStatus.OK, first.body
    tag = first.headers["etag"]
    held = {**cached_headers, "If-None-Match": tag}
    again = call(cached.url, "GET", PATH, headers=held)
    assert again.status == HTTPStatus.NOT_MODIFIED, f"{again.status} to the current tag"
    plain = call(uncached.url, "GET", PATH, headers=headers)
    assert plain.body == first.body and "etag" not in plain.headers, "the servers disagree"
    targets = {
        "uncached": (uncached.url + PATH, headers),
        "cached": (cached.url + PATH, cached_headers),
        "revalidated": (cached.url + PATH, held),
    }
    rounds: dict[str, list[dict]] = {name: [] for name in targets}
    for number in range(options.rounds):
        for name, (target, sent) in targets.items():
            rounds[name].append(wrk(target, options.seconds, options.connections, sent))
            print(f"round {number + 1} {name}: {rounds[name][-1]}", flush=True)
    # Nothing was written meanwhile: the tag is still current, so every answer was a 304.
    assert call(cached.url, "GET", PATH, headers=held).status == HTTPStatus.NOT_MODIFIED
    return rounds


def write_section(options: argparse.Namespace, rounds: dict[str, list[dict]]) -> None:
    """Print the comparison and put it in options.output, replacing the section's last run."""
    lines = [
        "| Answer | req/s, each round | Median req/s | Median p50 |",
        "| --- | --- | --- | --- |",
    ]
    for name, runs in rounds.items():
        each = ", ".join(f"{run['rps']:.0f}" for run in runs)
        rps = statistics.median(run["rps"] for run in runs)
        p50 = statistics.median(run["p50"] for run in runs)
        lines.append(f"| {NAMES[name]} | {each} | {rps:.0f} | {p50:.1f} ms |")

    def ratio(name: str) -> str:
        each = [
            run["rps"] / base["rps"]
            for run, base in zip(rounds[name], rounds["uncached"], strict=True)
        ]
        listed = ", ".join(f"{value:.2f}" for value in each)
        return f"{statistics.median(each):.2f}× (rounds: {listed})"

    section = (
        f"{SECTION}\n\n"
        f"`GET {PATH}` as the administrator, {options.rows:,} tasks with two tags each, rate"
        " limits off, 2 workers per server, wrk with"
        f" {options.connections} connections for {options.seconds} s per run; the three take"
        f" turns, {options.rounds} rounds (bench/conditional_requests.py).\n\n"
        + "\n".join(lines)
        + f"\n\nRevalidated / uncached: {ratio('revalidated')}. Cached / uncached:"
        f" {ratio('cached')}.\n"
    )
    print(section)
    current = options.output.read_text() if options.output.exists() else "# Benchmarks\n"
    kept = current.split(SECTION)[0].rstrip("\n")
    options.output.write_text(f"{kept}\n\n{section}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="tasks in the table")
    parser.add_argument("--rounds", type=int, default=3, help="turns each way takes")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--output", type=Path, default=HERE.parent / "docs" / "benchmarks.md")
    options = parser.parse_args()
    url = make_url(SERVER).set(database="bench_conditional")
    admin.drop_database(url)
    admin.create_database(url)
    migrated(url)
    populate(url, options.rows)
    tag_every_task(url)
    servers: list = []
    try:
        rounds = compare(options, url, servers)
    finally:
        for server in servers:
            server.close()
        admin.drop_database(url)
    write_section(options, rounds)


if __name__ == "__main__":
    main()
