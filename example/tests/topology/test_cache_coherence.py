"""No read after an acknowledged write returns the old data: two instances of the service
(two replicas), each with two gunicorn workers, on one database, for every cache backend."""

import itertools
import threading

import pytest
from sqlalchemy import create_engine, text

from .conftest import admin_headers
from .load import call, run

pytestmark = pytest.mark.topology

CACHE_TYPES = ["SimpleCache", "NullCache"]
CLIENTS = 6
READS_PER_WRITE = 4
WRITES = 8  # per client, and more until every worker has served some (at most MOST)
MOST = 40


@pytest.mark.parametrize("cache_type", CACHE_TYPES)
def test_every_read_after_a_write_sees_it_in_every_worker_of_every_replica(
    serve, service_database, cache_type
):
    replicas = [serve(service_database, workers=2, CACHE_TYPE=cache_type) for _ in range(2)]
    headers = admin_headers(replicas[0])
    users = []
    for number in range(CLIENTS):
        body = {"email": f"reader{number}@example.com", "name": "v0"}
        created = call(replicas[0].url, "POST", "/api/v1/users/", body, headers=headers)
        assert created.status == 201, created.body
        users.append(created.body["id"])
    checked = itertools.count()
    stale: list[str] = []
    lock = threading.Lock()

    def write_then_read(client: int, n: int):
        """Rename the client's user through one replica, then read it back through both."""
        user_id, name = users[client], f"v{n + 1}"
        path, writer = f"/api/v1/users/{user_id}", replicas[n % 2]
        written = call(writer.url, "PATCH", path, {"name": name}, headers=headers)
        if written.status != 200:
            return written
        for read in range(READS_PER_WRITE):
            server = replicas[read % 2]
            one = call(server.url, "GET", path, headers=headers)
            listed = call(server.url, "GET", "/api/v1/users/?page_size=50", headers=headers)
            if one.status != 200 or listed.status != 200:
                return one if one.status != 200 else listed
            seen = [one.body["name"]]
            seen += [user["name"] for user in listed.body if user["id"] == user_id]
            for value in seen:
                next(checked)
                if value != name:
                    with lock:
                        stale.append(f"read from :{server.port} gave {value}, after {name}")
        return written

    def every_worker_served() -> bool:
        """Whether both workers of both replicas have answered."""
        return all(server.every_worker_answered() for server in replicas)

    def later(client: int, n: int):
        """A write after the first WRITES, while a worker has served none."""
        return write_then_read(client, WRITES + n)

    outcomes = run(CLIENTS, write_then_read, rounds=WRITES)
    outcomes += run(CLIENTS, later, rounds=MOST, until=every_worker_served)
    reads = next(checked)
    workers = [len(server.worker_pids()) for server in replicas]
    print(
        f"\n{cache_type}: {len(outcomes)} writes, {reads} reads after them, {len(stale)} stale,"
        f" workers that served: {workers}"
    )
    assert [o.status for o in outcomes if o.status != 200] == []
    assert workers == [2, 2], "each replica's two workers must both have served"
    assert reads == 2 * READS_PER_WRITE * len(outcomes)
    assert stale == [], stale[:5]
    # A sync worker holds one connection, and a second for the generations PostgreSQL keeps
    # for per-process caches, whatever its pool allows (docs/deployment.md).
    per_worker = 2 if cache_type == "SimpleCache" else 1
    assert connections_to(service_database) <= per_worker * sum(workers)


def connections_to(url) -> int:
    """How many connections other processes hold to the database at `url`."""
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()
    return count
