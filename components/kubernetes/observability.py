"""Observability of an app (when `kubernetes.observability.enabled`): a ServiceMonitor per service that
exposes metrics, a PrometheusRule holding the spec's alerts (their expressions, durations and
severities unchanged) and a Grafana dashboard ConfigMap picked up by the Grafana sidecar.

The kube-prometheus-stack chart itself is installed stack-wide by the platform (install_stack, monitoring.py).
Monitors and rules carry the `release` label its Prometheus selects by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ServiceSpec

from .common import TYPE_PREFIX, AppContext, child
from .workload import PORT_NAMES


@dataclass(frozen=True)
class ObservabilityArgs:
    ctx: AppContext
    services: dict[str, ServiceSpec]
    workloads: list[str]  # every service and worker name (dashboard panels)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the chart that installs the CRDs


def alert_rules(ctx: AppContext) -> list[dict[str, Any]]:
    return [
        {
            "alert": alert.name,
            "expr": alert.expr,
            "for": alert.for_,
            "labels": {"severity": alert.severity, "app": ctx.app, "namespace": ctx.namespace},
            "annotations": {"summary": alert.summary, **({"description": alert.description}
                                                         if alert.description else {})},
        }
        for alert in ctx.spec.alerts
    ]


def dashboard(ctx: AppContext, services: dict[str, ServiceSpec], workloads: list[str]) -> dict[str, Any]:
    ns = ctx.namespace
    panels: list[dict[str, Any]] = []

    def panel(title: str, expr: str, unit: str) -> None:
        index = len(panels)
        panels.append({"id": index + 1, "type": "timeseries", "title": title,
                       "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
                       "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                       "targets": [{"expr": expr, "legendFormat": "{{pod}}", "refId": "A"}]})

    for name in workloads:
        pods = f'namespace="{ns}", pod=~"{name}-.*", container="{name}"'
        panel(f"{name}: CPU (cores)", f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{pods}}}[5m]))", "short")
        panel(f"{name}: memory", f"sum by (pod) (container_memory_working_set_bytes{{{pods}}})", "bytes")
    for name, service in sorted(services.items()):
        if service.metrics:
            job = f'namespace="{ns}", service="{name}"'
            panel(f"{name}: requests/s", f"sum by (pod) (rate(http_requests_total{{{job}}}[5m]))", "reqps")
    return {"title": f"{ctx.app} ({ctx.namespace})", "uid": f"appstack-{ctx.namespace}"[:40],
            "tags": ["appstack", ctx.app], "timezone": "utc", "schemaVersion": 39, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"}, "panels": panels}


class Observability(pulumi.ComponentResource):
    """Outputs: `monitors` (ServiceMonitor names), `alerts` (alert names)."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Observability", name, None, opts)
        ctx = args.ctx
        release = {"release": ctx.k8s.observability.release_label}
        self.monitors = []
        for service_name, service in sorted(args.services.items()):
            if not service.metrics:
                continue
            port = "metrics" if service.metrics.port and service.metrics.port != service.port \
                else PORT_NAMES[service.protocol]
            k8s.apiextensions.CustomResource(
                f"{name}-{service_name}-monitor",
                api_version="monitoring.coreos.com/v1",
                kind="ServiceMonitor",
                metadata=ctx.meta(service_name, release),
                spec={
                    "selector": {"matchLabels": ctx.selector(service_name)},
                    "namespaceSelector": {"matchNames": [ctx.namespace]},
                    "endpoints": [{"port": port, "path": service.metrics.path, "scheme": "http",
                                   "interval": f"{service.metrics.interval_seconds}s"}],
                },
                opts=child(self, depends_on=args.depends_on),
            )
            self.monitors.append(service_name)
        self.alerts = [alert.name for alert in ctx.spec.alerts]
        if self.alerts:
            k8s.apiextensions.CustomResource(
                f"{name}-rules",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata=ctx.meta(f"{ctx.app}-alerts", release),
                spec={"groups": [{"name": f"{ctx.app}.rules", "rules": alert_rules(ctx)}]},
                opts=child(self, depends_on=args.depends_on),
            )
        k8s.core.v1.ConfigMap(
            f"{name}-dashboard",
            metadata=ctx.meta(f"{ctx.app}-dashboard", {"grafana_dashboard": "1"}),
            data={f"{ctx.app}.json": json.dumps(dashboard(ctx, args.services, args.workloads), sort_keys=True)},
            opts=child(self),
        )
        self.register_outputs({"monitors": self.monitors, "alerts": self.alerts})
