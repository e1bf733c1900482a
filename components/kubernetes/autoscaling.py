"""Autoscaling: a HorizontalPodAutoscaler (autoscaling/v2) from the spec's scaling, and a
PodDisruptionBudget for every workload that runs more than one replica.

The budget is `maxUnavailable: 1`, so a drain can always proceed one pod at a time: never zero
allowed disruptions, never the whole workload at once. `requests_per_target` (an AWS load-balancer
metric) has no built-in Kubernetes counterpart and is not mapped; CPU and memory targets are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import AutoscaleSpec
from appstack.spec.workloads import LongRunningSpec

from .common import TYPE_PREFIX, AppContext, child

SCALE_DOWN_WINDOW_SECONDS = 300


@dataclass(frozen=True)
class AutoscalingArgs:
    ctx: AppContext
    name: str  # the workload's object name
    kind: str  # Deployment or StatefulSet
    spec: LongRunningSpec
    target: pulumi.Resource  # the controller, so the HPA follows it


def hpa_metrics(scale: AutoscaleSpec) -> list[dict[str, Any]]:
    metrics = []
    for resource, percent in (("cpu", scale.cpu_percent), ("memory", scale.memory_percent)):
        if percent:
            metrics.append({"type": "Resource", "resource": {
                "name": resource, "target": {"type": "Utilization", "averageUtilization": percent}}})
    return metrics


class Autoscaling(pulumi.ComponentResource):
    """Outputs: `min_replicas`, `max_replicas`; children `hpa` and `pdb` exist only when they apply."""

    def __init__(self, name: str, args: AutoscalingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Autoscaling", name, None, opts)
        ctx, spec = args.ctx, args.spec
        self.hpa = None
        self.pdb = None
        scale = spec.autoscale
        if scale is not None and hpa_metrics(scale):
            self.hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-hpa",
                metadata=ctx.meta(args.name),
                spec={
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": args.kind, "name": args.name},
                    "minReplicas": scale.min,
                    "maxReplicas": scale.max,
                    "metrics": hpa_metrics(scale),
                    "behavior": {
                        "scaleDown": {
                            "stabilizationWindowSeconds": SCALE_DOWN_WINDOW_SECONDS,
                            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
                        },
                        "scaleUp": {
                            "stabilizationWindowSeconds": 0,
                            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 60}],
                        },
                    },
                },
                opts=child(self, depends_on=[args.target]),
            )
        if spec.min_replicas > 1:
            self.pdb = k8s.policy.v1.PodDisruptionBudget(
                f"{name}-pdb",
                metadata=ctx.meta(args.name),
                spec={
                    "maxUnavailable": 1,
                    "selector": {"matchLabels": ctx.selector(args.name)},
                    "unhealthyPodEvictionPolicy": "AlwaysAllow",
                },
                opts=child(self),
            )
        self.min_replicas = spec.min_replicas
        self.max_replicas = spec.max_replicas
        self.register_outputs({"min_replicas": self.min_replicas, "max_replicas": self.max_replicas})
