"""The app's CloudWatch dashboard: ALB traffic, errors and p95; ECS CPU/memory; RDS; Redis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

WIDTH, HEIGHT = 12, 6


def _widget(title: str, metrics: list[list[Any]], region: str, *, stat: str = "Average") -> dict:
    return {
        "type": "metric",
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "stat": stat,
            "period": 60,
            "view": "timeSeries",
            "metrics": metrics,
        },
    }


def dashboard_body(
    *,
    region: str,
    cluster_name: str,
    ecs_services: Sequence[str],
    alb_arn_suffix: pulumi.Input[str] | None,
    database_instance_id: pulumi.Input[str] | None,
    cache_node_ids: Sequence[pulumi.Input[str]],
) -> pulumi.Output[str]:
    widgets: list[dict] = []
    if alb_arn_suffix is not None:
        lb = ["LoadBalancer", alb_arn_suffix]
        widgets += [
            _widget("ALB requests", [["AWS/ApplicationELB", "RequestCount", *lb]], region, stat="Sum"),
            _widget(
                "ALB 5xx",
                [
                    ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb],
                    ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *lb],
                ],
                region,
                stat="Sum",
            ),
            _widget("ALB p95 latency (s)", [["AWS/ApplicationELB", "TargetResponseTime", *lb]], region, stat="p95"),
        ]
    cluster = ["ClusterName", cluster_name]
    widgets += [
        _widget("ECS CPU %", [["AWS/ECS", "CPUUtilization", *cluster, "ServiceName", s] for s in ecs_services], region),
        _widget(
            "ECS memory %", [["AWS/ECS", "MemoryUtilization", *cluster, "ServiceName", s] for s in ecs_services], region
        ),
    ]
    if database_instance_id is not None:
        db = ["DBInstanceIdentifier", database_instance_id]
        widgets += [
            _widget("RDS CPU %", [["AWS/RDS", "CPUUtilization", *db]], region),
            _widget("RDS connections", [["AWS/RDS", "DatabaseConnections", *db]], region, stat="Maximum"),
            _widget("RDS free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", *db]], region, stat="Minimum"),
        ]
    if cache_node_ids:
        widgets += [
            _widget(
                "Redis memory % of maxmemory",
                [["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", n] for n in cache_node_ids],
                region,
            ),
            _widget(
                "Redis evictions",
                [["AWS/ElastiCache", "Evictions", "CacheClusterId", n] for n in cache_node_ids],
                region,
                stat="Sum",
            ),
        ]
    for index, widget in enumerate(widgets):
        widget["x"] = (index % 2) * WIDTH
        widget["y"] = (index // 2) * HEIGHT
    return pulumi.Output.json_dumps({"widgets": widgets})
