"""A client revalidating with its ETag is never told `304` about something that has
changed: two instances of the service (two replicas), each with two gunicorn workers, on
one database, a write through either, the tag sent back to both."""

import pytest

from .conftest import admin_headers
from .load import call, run

pytestmark = pytest.mark.topology

CACHE_TYPES = ["SimpleCache"]
CLIENTS = 4
WRITES = 6  # per client, and more until every worker has served some (at most MOST)
MOST = 40


@pytest.mark.parametrize("cache_type", CACHE_TYPES)
def test_after_a_write_through_either_replica_no_304_is_served_for_what_changed(
    serve, service_database, cache_type
):
    replicas = [serve(service_database, workers=2, CACHE_TYPE=cache_type) for _ in range(2)]
    headers = admin_headers(replicas[0])
    users = []
    for number in range(CLIENTS):
        body = {"email": f"revalidator{number}@example.com", "name": "v0"}
        created = call(replicas[0].url, "POST", "/api/v1/users/", body, headers=headers)
        assert created.status == 201, created.body
        users.append(created.body["id"])

    # Nothing changes meanwhile: a tag from one replica is current at both.
    path = f"/api/v1/users/{users[0]}"
    tag = call(replicas[0].url, "GET", path, headers=headers).headers["etag"]
    for server in replicas:
        again = call(server.url, "GET", path, headers={**headers, "If-None-Match": tag})
        assert again.status == 304, f":{server.port} answered {again.status} to a current tag"

    problems: list[str] = []

    def read_write_revalidate(client: int, n: int):
        """Tag the client's user and the list at one replica, rename the user through one
        (either), then send the old tags to both: each must get the new answer."""
        user_path, name = f"/api/v1/users/{users[client]}", f"v{n + 1}"
        list_path = "/api/v1/users/?page_size=50"
        reader, writer = replicas[n % 2], replicas[(n + client) % 2]
        tags = {}
        for read_path in (user_path, list_path):
            read = call(reader.url, "GET", read_path, headers=headers)
            if read.status != 200:
                return read
            tags[read_path] = read.headers["etag"]
        written = call(writer.url, "PATCH", user_path, {"name": name}, headers=headers)
        if written.status != 200:
            return written
        for server in replicas:
            for read_path, old in tags.items():
                held = {**headers, "If-None-Match": old}
                answer = call(server.url, "GET", read_path, headers=held)
                where = f"{read_path} at :{server.port} after a write through :{writer.port}"
                if answer.status != 200:
                    problems.append(f"{where}: {answer.status} to the old tag")
                    continue
                found = answer.body if read_path == list_path else [answer.body]
                seen = [user["name"] for user in found if user["id"] == users[client]]
                if seen != [name] or answer.headers.get("etag") in (None, old):
                    problems.append(f"{where}: {seen} tagged {answer.headers.get('etag')}")
        return written

    def every_worker_served() -> bool:
        """Whether both workers of both replicas have answered."""
        return all(server.every_worker_answered() for server in replicas)

    def later(client: int, n: int):
        """A round after the first WRITES, while a worker has served none."""
        return read_write_revalidate(client, WRITES + n)

    outcomes = run(CLIENTS, read_write_revalidate, rounds=WRITES)
    outcomes += run(CLIENTS, later, rounds=MOST, until=every_worker_served)
    workers = [len(server.worker_pids()) for server in replicas]
    print(
        f"\n{cache_type}: {len(outcomes)} writes, {4 * len(outcomes)} revalidations after"
        f" them, {len(problems)} wrong, workers that served: {workers}"
    )
    assert [(o.status, o.body) for o in outcomes if o.status != 200] == []
    assert workers == [2, 2], "each replica's two workers must both have served"
    assert problems == [], problems[:5]
