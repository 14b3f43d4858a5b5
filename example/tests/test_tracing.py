"""Tracing (tracing.py): off unless an OTLP endpoint is set; when on, each request's server span
with its SQL spans, the caller's trace continued, and the trace id in the JSON logs."""

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.instrumentation.urllib import URLLibInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from my_service import create_app, tracing
from my_service.config import TestingConfig
from my_service.extensions import db
from my_service.users.models import Role

from .callers import client_as
from .factories import UserFactory
from .support import capture_console, rolled_back

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
ENDPOINT = "http://collector.example:4318"


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """Where the traced app's spans go, instead of an OTLP collector."""
    exporter = InMemorySpanExporter()
    monkeypatch.setattr(tracing, "EXPORTER", lambda: exporter)
    return exporter


@pytest.fixture
def traced(exporter: InMemorySpanExporter, config: TestingConfig) -> Iterator[Flask]:
    """An app with tracing on (as an OTLP endpoint turns it on), logging JSON."""
    config.TRACING, config.LOG_FORMAT = True, "json"
    app = create_app(config)
    try:
        with rolled_back(app):
            yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        FlaskInstrumentor().uninstrument_app(app)
        SQLAlchemyInstrumentor().uninstrument()
        URLLibInstrumentor().uninstrument()


def finished_spans(app: Flask, exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The spans ended so far, once the batch processor has handed them over."""
    app.extensions["tracing"].force_flush()
    return list(exporter.get_finished_spans())


def request_spans(app: Flask, exporter: InMemorySpanExporter, path: str, **headers: str):
    """Send one GET as an administrator; return its server span and the spans of its trace."""
    user = UserFactory(role=Role.ADMIN)
    finished_spans(app, exporter)
    exporter.clear()  # the factory's own statements
    client_as(app, user).get(path.format(id=user.id), headers=headers)
    spans = finished_spans(app, exporter)
    [server] = [span for span in spans if span.kind == SpanKind.SERVER]
    return server, [span for span in spans if span.context.trace_id == server.context.trace_id]


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{ENDPOINT}/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_SERVICE_NAME": "billing"}, False),
    ],
)
def test_tracing_is_on_only_when_an_otlp_endpoint_is_set(environ, on):
    assert TestingConfig(environ).TRACING is on


def test_a_request_produces_its_server_span_and_its_sql_spans(traced, exporter):
    server, spans = request_spans(traced, exporter, "/api/v1/users/{id}")
    assert server.name == "GET /api/v1/users/<id:user_id>"
    assert server.attributes["http.route"] == "/api/v1/users/<id:user_id>"
    statements = [span for span in spans if span.attributes.get("db.system") == "postgresql"]
    assert statements, [span.name for span in spans]
    for span in statements:
        assert span.kind == SpanKind.CLIENT
        assert span.parent is not None and span.parent.span_id == server.context.span_id
    assert any("FROM users" in span.attributes["db.statement"] for span in statements)


def test_sql_spans_carry_statements_never_their_parameters(traced, exporter):
    user = UserFactory(role=Role.ADMIN, email="private.person@example.com")
    finished_spans(traced, exporter)
    exporter.clear()
    client_as(traced, user).get(f"/api/v1/users/{user.id}")
    exported = [span.to_json() for span in finished_spans(traced, exporter)]
    assert exported
    assert not any("private.person" in span for span in exported)


def test_a_traceparent_header_continues_the_callers_trace(traced, exporter):
    server, spans = request_spans(traced, exporter, "/api/v1/users/{id}", traceparent=TRACEPARENT)
    assert server.context.trace_id == int(CALLER_TRACE, 16)
    assert server.parent is not None and server.parent.span_id == int(CALLER_SPAN, 16)
    assert len(spans) > 1  # its statements joined the caller's trace too


def test_json_log_lines_carry_the_trace_id_next_to_the_request_id(traced, exporter):
    output = capture_console(traced)
    headers = {"traceparent": TRACEPARENT, "X-Request-ID": "req-7"}
    request_spans(traced, exporter, "/api/v1/users/{id}", **headers)
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    [request_line] = [line for line in lines if line["message"].startswith("GET /api/v1/users/")]
    assert request_line["request_id"] == "req-7"
    assert request_line["trace_id"] == CALLER_TRACE


def test_probes_are_not_traced(traced, exporter):
    client = traced.test_client()
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200
    assert not [s for s in finished_spans(traced, exporter) if s.kind == SpanKind.SERVER]


def test_without_tracing_log_lines_carry_no_trace_id(config, log_output_for):
    config.LOG_FORMAT = "json"
    app, output = log_output_for(config)
    app.test_client().get("/health/live", headers={"traceparent": TRACEPARENT})
    [line] = [json.loads(line) for line in output.getvalue().splitlines() if "/health" in line]
    assert line["trace_id"] is None
    assert "tracing" not in app.extensions
