"""Tracing with OpenTelemetry: a span for each request, each SQL statement, each outgoing call.

Off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true turns it off again).
The SDK reads its other standard variables itself: OTEL_EXPORTER_OTLP_HEADERS,
OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES... A request carrying a
`traceparent` header continues its caller's trace, and every log line written
while it is handled carries the trace id next to the request id (logging.py).

SQL spans carry the statement, never its parameters. Spans leave in batches from
a background thread of each gunicorn worker; probes and scrapes are not traced.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from opentelemetry import trace

from .extensions import db

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter


def otlp_exporter() -> "SpanExporter":
    """The exporter that sends spans to the OTLP endpoint over HTTP."""
    from opentelemetry.exporter.otlp.proto.http import trace_exporter  # noqa: PLC0415

    return trace_exporter.OTLPSpanExporter()


# Where spans go; the tests swap in an in-memory exporter.
EXPORTER: Callable[[], "SpanExporter"] = otlp_exporter
# Regular expressions of URLs not worth a trace: they arrive every few seconds.
UNTRACED_URLS = "/health/live,/health/ready,/metrics"


def current_trace_id() -> str | None:
    """The id of the trace being recorded, in the 32-hex-digit form tracing backends show."""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else None


def tracer_provider(app: Flask) -> "TracerProvider":
    """A provider naming this service, sending its spans to EXPORTER in batches."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    resource = Resource.create(
        {
            SERVICE_NAME: app.config["OTEL_SERVICE_NAME"],
            "deployment.environment.name": app.config["NAME"],
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(EXPORTER()))
    return provider


def register_tracing(app: Flask) -> None:
    """Trace requests, SQL statements and outgoing HTTP calls, when TRACING is on."""
    if not app.config["TRACING"]:
        return
    # Imported only here: the SDK, its exporter and the instrumentations take about half a
    # second to import, which every process of an untraced service (a worker, a `flask`
    # command, a test run) would otherwise pay at start.
    from opentelemetry.instrumentation.flask import FlaskInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.urllib import URLLibInstrumentor  # noqa: PLC0415

    provider = tracer_provider(app)
    # Global too, so spans the project's own code starts land in the same traces.
    trace.set_tracer_provider(provider)
    app.extensions["tracing"] = provider
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_URLS)
    with app.app_context():
        engines = list(db.engines.values())
    # Its release declares SQLAlchemy < 2.1, which it instruments alike; tests/test_tracing.py
    # checks the SQL spans of the SQLAlchemy this project pins.
    SQLAlchemyInstrumentor().instrument(
        engines=engines, tracer_provider=provider, skip_dep_check=True
    )
    URLLibInstrumentor().instrument(tracer_provider=provider)
