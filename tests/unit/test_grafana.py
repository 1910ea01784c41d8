"""Grafana cannot run here, so its provisioning is checked against the stack and the contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from vntp.config import Settings
from vntp.observe import BUSINESS_METRICS, HTTP_METRICS
from vntp.stack import build_stack

STACK = Path(__file__).resolve().parents[2] / "stack"
GRAFANA = STACK / "grafana"


def test_data_sources_point_at_components_of_the_stack() -> None:
    document = yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yaml").read_text())
    stack = build_stack(Settings())
    ports = {(c.name, p.container_port) for c in stack.components for p in c.ports}
    by_type = {source["type"]: source for source in document["datasources"]}
    assert set(by_type) == {"prometheus", "jaeger"}
    for source in by_type.values():
        match = re.fullmatch(r"http://([\w-]+):(\d+)", source["url"])
        assert match, source["url"]
        host, port = match.groups()
        assert (host, int(port)) in ports, f"{source['name']} points at {host}:{port}, which the stack lacks"
    assert [s for s in document["datasources"] if s.get("isDefault")] == [by_type["prometheus"]]


def test_every_config_file_of_grafana_exists() -> None:
    grafana = next(c for c in build_stack(Settings()).components if c.name == "grafana")
    for config in grafana.config_files:
        assert (STACK / config.source).is_file(), config.source


def test_dashboard_queries_use_only_contract_metrics() -> None:
    dashboard = json.loads((GRAFANA / "dashboards/vntp-overview.json").read_text())
    uids = {
        s["uid"]
        for s in yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yaml").read_text())["datasources"]
    }
    known = (
        {name for group in BUSINESS_METRICS.values() for name in group} | set(HTTP_METRICS) | {"cache_bypasses_total"}
    )
    used: set[str] = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] in uids
        for target in panel["targets"]:
            for name in re.findall(r"\b([a-z_]+(?:_total|_seconds(?:_bucket)?|_spans))\b", target["expr"]):
                used.add(name)
                base = name.removesuffix("_bucket")
                assert base in known or base.startswith("otelcol_"), f"{panel['title']} queries unknown {name}"
    assert {name for group in BUSINESS_METRICS.values() for name in group} <= {n.removesuffix("_bucket") for n in used}
