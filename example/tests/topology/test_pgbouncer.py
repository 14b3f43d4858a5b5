"""The service behind PgBouncer in transaction pooling, as replicas often run it: every path
works with DB_BEHIND_PGBOUNCER on, and the readiness check fails plainly when it is off."""

import json
import uuid

import pytest
from sqlalchemy import create_engine, text

from .conftest import admin_headers
from .load import call, run

pytestmark = pytest.mark.topology

CLIENTS = 6
ROUNDS = 5  # per client, and more until both workers have served some (at most MOST)
MOST = 30


def through(bouncer, url) -> str:
    """The address of `url`'s database through `bouncer`."""
    return url.set(host="127.0.0.1", port=bouncer.port).render_as_string(hide_password=False)


def ids(page) -> list:
    """The ids of the users on a page of the list."""
    return [user.get("id") for user in page.body or []]


def test_every_path_works_through_pgbouncer_in_transaction_pooling(
    serve, service_database, pgbouncer
):
    server = serve(through(pgbouncer, service_database), workers=2, DB_BEHIND_PGBOUNCER="true")
    headers = admin_headers(server)
    problems: list[str] = []

    def exercise(client: int, n: int):
        """Create a user (and replay it), change it and read it back, page through the list,
        delete it."""
        users, body = "/api/v1/users/", {"email": f"bounced-{client}-{n}@example.com", "name": "B"}
        once = {"Idempotency-Key": uuid.uuid4().hex, **headers}
        created = call(server.url, "POST", users, body, headers=once)
        replayed = call(server.url, "POST", users, body, headers=once)
        user = f"{users}{(created.body or {}).get('id')}"
        changed = call(server.url, "PATCH", user, {"name": "C"}, headers=headers)
        read = call(server.url, "GET", user, headers=headers)
        first = call(server.url, "GET", f"{users}?page_size=1", headers=headers)
        cursor = json.loads(first.headers.get("x-pagination", "{}")).get("next_cursor")
        second = call(server.url, "GET", f"{users}?page_size=1&cursor={cursor}", headers=headers)
        deleted = call(server.url, "DELETE", user, headers=headers)
        steps = [created, replayed, changed, read, first, second, deleted]
        statuses = [step.status for step in steps]
        if statuses != [201, 201, 200, 200, 200, 200, 204] or replayed.body != created.body:
            problems.append(f"{body['email']}: {statuses}")
        elif (read.body or {}).get("name") != "C":
            problems.append(f"{body['email']}: the change did not stick: {read.body}")
        # The administrator and this user at least are listed: the second page is another one.
        elif not second.body or ids(second) == ids(first):
            problems.append(f"{body['email']}: pages {ids(first)} then {ids(second)}")
        return deleted

    def later(client: int, n: int):
        """A round after the first ROUNDS, while one worker has served them all."""
        return exercise(client, ROUNDS + n)

    outcomes = run(CLIENTS, exercise, rounds=ROUNDS)
    outcomes += run(CLIENTS, later, rounds=MOST, until=server.every_worker_answered)
    print(f"\nthrough PgBouncer: {len(outcomes)} users created, replayed, read, changed, deleted")
    assert len(outcomes) >= CLIENTS * ROUNDS
    assert problems == []
    assert server.every_worker_answered(), f"one worker served all {len(outcomes)} rounds"


def test_the_timeouts_hold_in_every_transaction_through_pgbouncer(
    serve, service_database, pgbouncer
):
    """PgBouncer refuses connection options, so the timeouts are set in each transaction: a
    request that waits for a row lock longer than DB_LOCK_TIMEOUT_MS gets the timeout's 503."""
    server = serve(
        through(pgbouncer, service_database),
        workers=1,
        DB_BEHIND_PGBOUNCER="true",
        DB_LOCK_TIMEOUT_MS="300",
    )
    headers = admin_headers(server)
    created = call(
        server.url,
        "POST",
        "/api/v1/users/",
        {"email": "locked@example.com", "name": "L"},
        headers=headers,
    )
    assert created.status == 201, created.body
    user = f"/api/v1/users/{created.body['id']}"
    engine = create_engine(service_database)  # directly, not through PgBouncer
    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM users WHERE id = :id FOR UPDATE"), created.body)
        # Without the timeout the change waits for the lock until the call gives up (status 0).
        changed = call(server.url, "PATCH", user, {"name": "M"}, headers=headers)
        holder.rollback()
    engine.dispose()
    assert changed.status == 503, changed
    assert changed.body["error"]["message"] == (
        "The request took too long and was stopped; please retry."
    )
    assert "SQLSTATE 55P03" in server.log()
    assert call(server.url, "PATCH", user, {"name": "M"}, headers=headers).status == 200


def test_without_the_setting_readiness_fails_with_a_json_503(serve, service_database, pgbouncer):
    server = serve(through(pgbouncer, service_database), workers=1)
    ready = call(server.url, "GET", "/health/ready")
    assert ready.status == 503
    assert ready.is_json
    assert ready.headers.get("retry-after")
    assert "set DB_BEHIND_PGBOUNCER=true" in server.log()
