"""The service under load while its database fails: it answers every request with JSON
(503 and Retry-After while the database is away, never a 500), keeps every write it
acknowledged, recovers on its own, and a client that retries with its Idempotency-Key
gets each write done exactly once."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, text

from .conftest import admin_headers
from .load import Outcome, call, paced, run

pytestmark = pytest.mark.faults

CLIENTS = 6
# Seconds each client waits between calls while the database stops and starts: steady
# traffic through the whole outage, not as much as the machine can send.
PAUSE = 0.05
OUTAGE_AT_MOST = 90  # seconds: stopping and starting the database takes a few
USERS = "/api/v1/users/"
DATABASE_UNAVAILABLE = "The database is unavailable; please retry shortly."


class Writes:
    """Every user a client tried to create, with the key it sent."""

    def __init__(self) -> None:
        self.tried: dict[str, tuple[str, Outcome | None]] = {}
        self.lock = threading.Lock()

    def post(self, server, headers: dict, email: str) -> Outcome:
        key = uuid.uuid4().hex
        outcome = call(
            server.url,
            "POST",
            USERS,
            {"email": email, "name": "Load"},
            headers={"Idempotency-Key": key, **headers},
        )
        with self.lock:
            self.tried[email] = (key, outcome)
        return outcome


def mixed_load(server, headers: dict, writes: Writes, reader_id: int):
    """Each client writes one request in three and reads in the others."""

    def work(client: int, n: int) -> Outcome:
        if n % 3 == 0:
            return writes.post(
                server, headers, f"load-{client}-{n}-{uuid.uuid4().hex[:6]}@example.com"
            )
        if n % 3 == 1:
            return call(server.url, "GET", f"{USERS}?page_size=5", headers=headers)
        return call(server.url, "GET", f"{USERS}{reader_id}", headers=headers)

    return work


def stored_emails(url: str, emails) -> dict[str, int]:
    """How many live users each of `emails` belongs to."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT email, count(*) FROM users WHERE email = ANY(:emails) GROUP BY email"),
            {"emails": list(emails)},
        )
        found = dict(rows.all())
    engine.dispose()
    return found


def check_every_answer(outcomes: list[Outcome]) -> None:
    """JSON always; 503 with Retry-After when not served; never a 500 or no answer."""
    statuses = {outcome.status for outcome in outcomes}
    assert statuses <= {200, 201, 503}, sorted(statuses)
    assert all(outcome.is_json for outcome in outcomes)
    unavailable = [outcome for outcome in outcomes if outcome.status == 503]
    assert all(outcome.headers.get("retry-after") for outcome in unavailable)


def retry_until_done(server, headers: dict, writes: Writes) -> list[Outcome]:
    """What a careful client does next: send each write that failed again, with its key."""

    def again(email: str, key: str) -> Outcome:
        body = {"email": email, "name": "Load"}
        return call(server.url, "POST", USERS, body, headers={"Idempotency-Key": key, **headers})

    failed = [(email, key) for email, (key, sent) in writes.tried.items() if sent.status != 201]
    with ThreadPoolExecutor(CLIENTS) as clients:
        return list(clients.map(lambda write: again(*write), failed))


def created_reader(server, headers: dict) -> int:
    """A user for the load to read."""
    created = call(
        server.url, "POST", USERS, {"email": "read@example.com", "name": "R"}, headers=headers
    )
    assert created.status == 201, created.body
    return created.body["id"]


def test_a_database_that_stops_under_load_costs_503s_and_loses_nothing(serve, throwaway_postgres):
    url = throwaway_postgres.url("service")
    server = serve(url, workers=2)
    headers = admin_headers(server)
    writes = Writes()
    moments: dict[str, float] = {}

    failed: list[Exception] = []

    def outage() -> None:
        try:
            time.sleep(2)
            throwaway_postgres.stop()
            moments["down"] = time.monotonic()
            time.sleep(5)
            moments["restarting"] = time.monotonic()
            throwaway_postgres.start()
            moments["up"] = time.monotonic()
        except Exception as error:  # the test reports it, with the load stopped
            failed.append(error)
        finally:
            moments["over"] = time.monotonic()

    def back_for_3_s() -> bool:
        """The load runs until the database has been back for 3 s, however long that took
        (or at once when the outage itself failed)."""
        return time.monotonic() > moments.get("up", moments.get("over", float("inf"))) + 3

    reader = created_reader(server, headers)
    database = threading.Thread(target=outage)
    database.start()
    try:
        outcomes = run(
            CLIENTS,
            paced(mixed_load(server, headers, writes, reader), PAUSE),
            until=back_for_3_s,
            seconds=OUTAGE_AT_MOST,
        )
    finally:
        database.join(OUTAGE_AT_MOST)  # the server comes back before the test lets go of it
    assert not database.is_alive(), f"the outage did not end within {OUTAGE_AT_MOST} s"
    assert not failed, f"the database did not stop and start again: {failed[0]!r}"

    check_every_answer(outcomes)
    while_down = [
        o for o in outcomes if moments["down"] + 0.5 < o.started < moments["restarting"] - 1
    ]
    assert while_down and {o.status for o in while_down} == {503}
    after = [o for o in outcomes if o.started > moments["up"] + 1]
    assert after and {o.status for o in after} <= {200, 201}
    served_again = min(
        o.started + o.seconds for o in outcomes if o.status < 300 and o.started >= moments["up"]
    )
    acknowledged = [email for email, (_, o) in writes.tried.items() if o.status == 201]
    kept = stored_emails(url, acknowledged)
    retried = retry_until_done(server, headers, writes)
    every_write = stored_emails(url, writes.tried)
    slowest = max(o.seconds for o in outcomes)
    print(
        f"\n{len(outcomes)} requests, {sum(o.status < 300 for o in outcomes)} served,"
        f" {sum(o.status == 503 for o in outcomes)} answered 503, slowest {slowest:.2f} s;"
        f" database down {moments['restarting'] - moments['down']:.1f} s, served again"
        f" {served_again - moments['up']:.2f} s after it was back;"
        f" {len(kept)}/{len(acknowledged)} acknowledged writes kept, {len(retried)} retried"
    )
    assert kept == dict.fromkeys(acknowledged, 1)
    assert {o.status for o in retried} <= {201}
    assert every_write == dict.fromkeys(writes.tried, 1)


def test_connections_killed_under_load_cost_at_most_one_retry(serve, service_database):
    # Every checkout pings: a connection killed while it sat in the pool is replaced before
    # use, so a request fails only when its connection is killed under it, and its one
    # retry (after the kills) gets a live connection. With DB_PING_AFTER_IDLE above 0 a
    # connection killed while idle costs the next request on it a 503 too, as documented.
    server = serve(service_database, workers=2, DB_PING_AFTER_IDLE="0")
    headers = admin_headers(server)
    writes = Writes()
    stop = threading.Event()
    killed = []
    cut: list[Outcome] = []  # requests whose connection was killed under them

    def kill_connections() -> None:
        engine = create_engine(service_database, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            while not stop.wait(0.1):
                killed.extend(
                    connection.scalars(
                        select(func.pg_terminate_backend(text("pid")))
                        .select_from(text("pg_stat_activity"))
                        .where(text("datname = current_database() AND pid <> pg_backend_pid()"))
                    )
                )
        engine.dispose()

    load = mixed_load(server, headers, writes, created_reader(server, headers))

    def work(client: int, n: int) -> Outcome:
        outcome = load(client, n)
        if (
            outcome.status == 503
            and (outcome.body or {}).get("error", {}).get("message") == DATABASE_UNAVAILABLE
        ):
            cut.append(outcome)
        return outcome

    started = time.monotonic()
    killer = threading.Thread(target=kill_connections)
    killer.start()
    try:
        # 4 s at least, and on (at most 30 s) until a kill has cut a request in the middle.
        outcomes = run(
            CLIENTS, work, seconds=30, until=lambda: time.monotonic() > started + 4 and bool(cut)
        )
    finally:
        stop.set()
        killer.join()

    check_every_answer(outcomes)
    retried = retry_until_done(server, headers, writes)
    print(
        f"\n{sum(killed)} connections killed under {len(outcomes)} requests:"
        f" {len(cut)} cut and answered 503, {len(retried)} writes retried"
    )
    assert any(killed), "no connection of the service was terminated"
    assert cut, "no request had its connection killed under it in 30 s"
    assert {o.status for o in retried} <= {201}
    assert stored_emails(service_database, writes.tried) == dict.fromkeys(writes.tried, 1)
