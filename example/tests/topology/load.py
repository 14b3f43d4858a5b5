"""A small load generator: clients in threads, each request's outcome kept for the checks."""

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT = 20  # seconds without an answer before a request counts as unanswered


@dataclass
class Outcome:
    """What one request got."""

    method: str
    path: str
    status: int  # 0: no answer at all (refused, reset, timed out)
    seconds: float
    body: object = None
    headers: dict = field(default_factory=dict)
    started: float = 0.0

    @property
    def is_json(self) -> bool:
        """Whether the answer was JSON (every answer of this API must be)."""
        return self.headers.get("content-type", "").startswith("application/json")


def call(
    base_url: str,
    method: str,
    path: str,
    body: object = None,
    *,
    headers: dict | None = None,
) -> Outcome:
    """One request; never raises: a connection failure is an Outcome with status 0."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT)
    sent = {"Content-Type": "application/json", **(headers or {})}
    started = time.monotonic()
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        received = {name.lower(): value for name, value in response.getheaders()}
        status = response.status
    except (OSError, http.client.HTTPException):
        return Outcome(method, path, 0, time.monotonic() - started, started=started)
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Outcome(method, path, status, time.monotonic() - started, parsed, received, started)


def paced(work: Callable[[int, int], Outcome], pause: float) -> Callable[[int, int], Outcome]:
    """`work`, each client waiting `pause` seconds after each call.

    Unpaced, `run`'s clients send as much as the machine can serve, which suits a load counted
    in rounds. A load that lasts a set time is steady traffic when paced, and costs the same on
    any machine.
    """

    def work_then_pause(client: int, n: int) -> Outcome:
        outcome = work(client, n)
        time.sleep(pause)
        return outcome

    return work_then_pause


def run(
    clients: int,
    work: Callable[[int, int], Outcome],
    *,
    seconds: float | None = None,
    rounds: int | None = None,
    until: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """`clients` threads calling `work(client, n)`: `rounds` calls each, for `seconds`, or
    until `until()` is true, whichever comes first."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds if seconds is not None else None

    def more(n: int) -> bool:
        if rounds is not None and n >= rounds:
            return False
        if until is not None and until():
            return False
        return deadline is None or time.monotonic() < deadline

    def client(number: int) -> None:
        n = 0
        while more(n):
            outcome = work(number, n)
            with lock:
                outcomes.append(outcome)
            n += 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes, key=lambda outcome: outcome.started)
