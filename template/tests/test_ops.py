"""The dashboard and the alert rules under ops/ query only metrics the service exports.

A renamed metric, or a typo in a query, would leave a panel empty and an alert silent
without anyone noticing: this test names the query and the metric instead."""

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "ops" / "grafana" / "dashboard.json"
ALERTS = ROOT / "ops" / "prometheus" / "alerts.yml"

# Words of PromQL itself, and the series Prometheus makes for every scrape target.
PROMQL = set(
    "abs absent and avg bool by ceil clamp_max clamp_min count delta group_left group_right"
    " histogram_quantile ignoring increase irate label_values max min offset on or rate sum"
    " time topk unless without up".split()
)
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, query) for every query of the dashboard."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def alert_queries() -> list[tuple[str, str]]:
    """(alert name, query) for every rule of the alert file."""
    rules = yaml.safe_load(ALERTS.read_text())
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def metric_names(query: str) -> set[str]:
    """The metric names a PromQL query reads."""
    query = re.sub(r"\{[^}]*\}", "", query)  # label matchers
    query = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", query)
    query = re.sub(r"\[[^\]]*\]", "", query)  # ranges
    query = re.sub(r'"[^"]*"', "", query)  # strings
    query = re.sub(r"\$\w+", "", query)  # Grafana variables
    query = re.sub(r"\b\d+(\.\d+)?(e-?\d+)?\b", "", query)  # numbers
    return {name for name in NAME.findall(query) if name not in PROMQL and name != "le"}


def exported() -> set[str]:
    """Every series name the service's metrics produce (histograms' _bucket, _sum...)."""
    return {sample.name for family in REGISTRY.collect() for sample in family.samples} | {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in ("", "_total", "_bucket", "_count", "_sum")
    }


def unknown_metrics(queries: list[tuple[str, str]], known: set[str]) -> list[str]:
    """`where: metric` for each metric a query names that the service does not export."""
    return [
        f"{where}: {name}"
        for where, query in queries
        for name in sorted(metric_names(query))
        if name not in known
    ]


def test_every_panel_and_alert_queries_exported_metrics(app):
    queries = dashboard_queries() + alert_queries()
    assert len(queries) >= 10
    assert unknown_metrics(queries, exported()) == []


def test_a_made_up_metric_is_named_with_its_panel():
    queries = [("Requests", 'sum(rate(http_requests_total{job="x"}[5m]))')]
    queries.append(("Made up", "sum(rate(http_requests_made_up_total[5m])) / 2"))
    assert unknown_metrics(queries, exported()) == ["Made up: http_requests_made_up_total"]


def test_the_dashboard_and_the_alerts_cover_what_operators_watch():
    expressions = " ".join(query for _, query in dashboard_queries() + alert_queries())
    for metric in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "db_pool_checked_out",
        "db_pool_overflow",
        "cache_reads_total",
        "service_ready",
    ):
        assert metric in expressions, metric
    alerts = {name for name, _ in alert_queries()}
    assert {"HighErrorRate", "SlowResponses", "DatabasePoolSaturated", "NotReady"} <= alerts
