"""Traces under gunicorn, as the image serves them: each worker sends its spans in batches over
OTLP/HTTP, a request continues its caller's trace, and a collector that is down costs no
request."""

import http.server
import threading
from collections.abc import Iterator

import pytest

# Part of the OTLP exporter the service installs: the message a collector receives.
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from .conftest import admin_headers
from .load import call, run
from .processes import wait_for

pytestmark = pytest.mark.topology

CLIENTS = 4
MOST = 50  # requests per client before the test gives up on a worker that never answers
SERVER = Span.SpanKind.SPAN_KIND_SERVER
# Batches leave every 100 ms instead of every 5 s, so the test need not wait.
FAST_BATCHES = {"OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_SERVICE_NAME": "traced-service"}
# What the OTLP exporter logs when it drops a batch it could not send.
GAVE_UP = "Failed to export spans batch"


class Collector:
    """An OTLP/HTTP trace receiver on a free port, keeping every span it is sent.

    Not `listening`, it holds its port and refuses every connection, as a collector that is
    down does, and no other process can take the port before it comes up (`listen()`)."""

    def __init__(self, listening: bool = True) -> None:
        self.spans: list[tuple[dict, object]] = []
        received = self.spans

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                export = ExportTraceServiceRequest()
                export.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
                for resource_spans in export.resource_spans:
                    attributes = {
                        item.key: item.value.string_value
                        for item in resource_spans.resource.attributes
                    }
                    for scope_spans in resource_spans.scope_spans:
                        received.extend((attributes, span) for span in scope_spans.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                """Quiet: the test reads what arrived, not the requests' log."""

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), Receiver, bind_and_activate=False
        )
        self.server.server_bind()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.serving: threading.Thread | None = None
        if listening:
            self.listen()

    def listen(self) -> None:
        """Come up: accept connections and keep what they send."""
        self.server.server_activate()
        self.serving = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.serving.start()

    def close(self) -> None:
        """Stop serving and free the port."""
        if self.serving is not None:
            self.server.shutdown()
        self.server.server_close()

    def traces(self) -> dict[str, list]:
        """The spans received, by trace id (hex)."""
        by_trace: dict[str, list] = {}
        for attributes, span in list(self.spans):
            by_trace.setdefault(span.trace_id.hex(), []).append((attributes, span))
        return by_trace

    def served(self) -> set[str]:
        """The traces whose server span has arrived (it ends, so leaves, after its SQL spans)."""
        return {span.trace_id.hex() for _, span in list(self.spans) if span.kind == SERVER}


@pytest.fixture
def collector() -> Iterator[Collector]:
    """A trace collector the service can send to."""
    collector = Collector()
    yield collector
    collector.close()


@pytest.fixture
def collector_down() -> Iterator[Collector]:
    """A trace collector that refuses connections until the test calls its `listen()`."""
    collector = Collector(listening=False)
    yield collector
    collector.close()


def traceparent(n: int) -> tuple[str, str, str]:
    """A caller's trace id, span id and the header carrying them, distinct for each `n`."""
    trace_id, span_id = f"{n + 1:032x}", f"{n + 1:016x}"
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def test_every_workers_requests_arrive_as_traces_with_their_sql(serve, service_database, collector):
    server = serve(
        service_database, workers=2, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, **FAST_BATCHES
    )
    headers = admin_headers(server)
    callers: dict[str, str] = {}
    traced: dict[str, str] = {}  # each answer's request id: its trace id

    def traced_call(client: int, n: int):
        trace_id, span_id, header = traceparent(client * MOST + n)
        callers[trace_id] = span_id
        headers_sent = {**headers, "traceparent": header}
        outcome = call(server.url, "GET", "/api/v1/users/", headers=headers_sent)
        traced[outcome.headers.get("x-request-id", "")] = trace_id
        return outcome

    # Until both workers have answered some, so both workers' exporters sent spans.
    outcomes = run(CLIENTS, traced_call, rounds=MOST, until=server.every_worker_answered)
    sent = len(outcomes)
    assert [outcome.status for outcome in outcomes] == [200] * sent
    wait_for(lambda: len(server.answered(set(traced))) >= sent, "every access line", 10)
    assert server.every_worker_answered(), f"one worker answered all {sent} requests"
    # Each request's one line carries its trace id, matched by request id.
    lines = server.answered(set(traced))
    assert sorted(line["request_id"] for line in lines) == sorted(traced)
    for line in lines:
        assert line["trace_id"] == traced[line["request_id"]]
        assert line["queries"] > 0
    wait_for(lambda: callers.keys() <= collector.served(), "every request's server span", 15)
    traces = collector.traces()
    for trace_id, parent in callers.items():
        [(resource, server_span)] = [(r, s) for r, s in traces[trace_id] if s.kind == SERVER]
        assert server_span.name == "GET /api/v1/users/"
        assert resource["service.name"] == "traced-service"
        assert server_span.parent_span_id.hex() == parent
        statements = [s for _, s in traces[trace_id] if s.parent_span_id == server_span.span_id]
        assert statements, f"no SQL spans in trace {trace_id}"


def test_a_collector_that_is_down_costs_no_request_and_its_spans_flow_once_it_is_up(
    serve, service_database, collector_down
):
    # An export gives up after 1 s instead of 10, so a batch is lost while the collector is down.
    server = serve(
        service_database,
        workers=2,
        OTEL_EXPORTER_OTLP_ENDPOINT=collector_down.url,
        OTEL_EXPORTER_OTLP_TIMEOUT="1",
        **FAST_BATCHES,
    )
    headers = admin_headers(server)

    def traced_call(n: int) -> tuple[str, object]:
        trace_id, _, header = traceparent(n)
        headers_sent = {**headers, "traceparent": header}
        return trace_id, call(server.url, "GET", "/api/v1/users/", headers=headers_sent)

    # Traced requests while nothing listens, until both workers have answered some: each
    # worker's exporter fails, retries, and gives its batch up.
    while_down = run(
        CLIENTS,
        lambda client, n: traced_call(client * MOST + n)[1],
        rounds=MOST,
        until=server.every_worker_answered,
    )
    assert [outcome.status for outcome in while_down] == [200] * len(while_down)
    assert server.every_worker_answered(), f"one worker answered all {len(while_down)} requests"
    wait_for(lambda: GAVE_UP in server.log(), "an exporter giving a batch up", 30)
    collector_down.listen()
    afterwards: dict[str, object] = {}

    def later(client: int, n: int):
        trace_id, outcome = traced_call(1_000 + client * MOST + n)
        afterwards[trace_id] = outcome
        return outcome

    def every_worker_answered_since() -> bool:
        lines = server.access_log()
        return (
            len({line["pid"] for line in lines if line.get("trace_id") in afterwards})
            >= server.workers
        )

    # Requests once the collector is up, until every worker has answered some (the one that
    # gave a batch up among them): all their spans arrive.
    run(CLIENTS, later, rounds=MOST, until=every_worker_answered_since)
    assert [outcome.status for outcome in afterwards.values()] == [200] * len(afterwards)
    wait_for(every_worker_answered_since, "an access line of each worker since", 10)
    wait_for(
        lambda: afterwards.keys() <= collector_down.served(),
        "the server spans of the requests sent once the collector was up",
        40,
    )
