"""The spec's PromQL alerts on AWS: an Amazon Managed Service for Prometheus workspace with the
alerts as a rule group, Alertmanager routing to the app's SNS topic, and a collector sidecar (ADOT)
in each task whose service declares metrics, scraping it over localhost and remote-writing to AMP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml

from appstack.naming import aws as limits
from appstack.naming import shorten
from appstack.spec import AppSpec, ServiceSpec
from appstack.spec.data import retention_days

from .task_definition import Sidecar, tmpfs_mount

COLLECTOR = "prometheus-collector"
COLLECTOR_MEMORY_MIB = 128
COLLECTOR_UID = 10001  # the ADOT image's unprivileged user
COLLECTOR_TMPFS_MIB = 32  # counts against the collector's 128 MiB


def rules_document(spec: AppSpec) -> str:
    rules = []
    for alert in spec.alerts:
        rule: dict[str, Any] = {
            "alert": alert.name,
            "expr": alert.expr,
            "for": alert.for_,
            "labels": {"severity": alert.severity, "app": spec.name},
            "annotations": {"summary": alert.summary},
        }
        if alert.description:
            rule["annotations"]["description"] = alert.description
        rules.append(rule)
    return yaml.safe_dump({"groups": [{"name": spec.name, "rules": rules}]}, sort_keys=False)


def alertmanager_document(topic_arn: str, region: str) -> str:
    config = {
        "route": {"receiver": "sns", "group_by": ["alertname", "severity"]},
        "receivers": [
            {
                "name": "sns",
                "sns_configs": [
                    {
                        "topic_arn": topic_arn,
                        "sigv4": {"region": region},
                        "subject": "{{ .CommonLabels.app }}: {{ .CommonLabels.alertname }}",
                        "attributes": {"severity": "{{ .CommonLabels.severity }}"},
                    }
                ],
            }
        ],
    }
    return yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config, sort_keys=False)}, sort_keys=False)


def collector_config(app: str, service: str, svc: ServiceSpec, remote_write_url: str, region: str) -> str:
    assert svc.metrics is not None
    port = svc.metrics.port or svc.port
    interval = f"{svc.metrics.interval_seconds}s"
    config = {
        "extensions": {"sigv4auth": {"region": region, "service": "aps"}},
        "receivers": {
            "prometheus": {
                "config": {
                    "global": {"scrape_interval": interval},
                    "scrape_configs": [
                        {
                            "job_name": f"{app}-{service}",
                            "metrics_path": svc.metrics.path,
                            "scrape_interval": interval,
                            "static_configs": [
                                {"targets": [f"localhost:{port}"], "labels": {"app": app, "service": service}}
                            ],
                        }
                    ],
                }
            }
        },
        "exporters": {
            "prometheusremotewrite": {
                "endpoint": remote_write_url,
                "auth": {"authenticator": "sigv4auth"},
                "resource_to_telemetry_conversion": {"enabled": True},
            }
        },
        "service": {
            "extensions": ["sigv4auth"],
            "pipelines": {"metrics": {"receivers": ["prometheus"], "exporters": ["prometheusremotewrite"]}},
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


@dataclass(frozen=True)
class CollectorSettings:
    image: str
    region: str
    remote_write_url: pulumi.Output[str]
    workspace_arn: pulumi.Output[str]


def collector_sidecar(
    app: str, service: str, svc: ServiceSpec, collector: CollectorSettings, log_group: pulumi.Input[str]
) -> Sidecar:
    config = collector.remote_write_url.apply(lambda url: collector_config(app, service, svc, url, collector.region))
    definition = {
        "name": COLLECTOR,
        "image": collector.image,
        "essential": False,  # losing metrics must not stop the service
        "user": f"{COLLECTOR_UID}:{COLLECTOR_UID}",
        "readonlyRootFilesystem": True,
        "cpu": 0,
        "memory": COLLECTOR_MEMORY_MIB,
        "memoryReservation": COLLECTOR_MEMORY_MIB // 2,
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": config}],
        "secrets": [],
        "portMappings": [],
        "mountPoints": [],
        # A root-owned bind mount would not be writable by the collector's user: /tmp is a tmpfs it owns.
        "linuxParameters": {
            "initProcessEnabled": True,
            "capabilities": {"drop": ["ALL"]},
            "tmpfs": [tmpfs_mount("/tmp", COLLECTOR_UID, COLLECTOR_UID, COLLECTOR_TMPFS_MIB)],
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": collector.region,
                "awslogs-stream-prefix": COLLECTOR,
                "mode": "non-blocking",
                "max-buffer-size": "4m",
            },
        },
    }
    return Sidecar(definition=definition, memory=COLLECTOR_MEMORY_MIB)


@dataclass(frozen=True)
class AppPrometheusArgs:
    spec: AppSpec
    stack: str
    region: str
    alarm_topic_arn: pulumi.Input[str]
    collector_image: str


class AppPrometheus(pulumi.ComponentResource):
    """`collector` holds what a task's sidecar needs (workspace ARN and remote-write URL)."""

    def __init__(self, name: str, args: AppPrometheusArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppPrometheus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        workspace = aws.amp.Workspace(
            name, alias=shorten(f"{args.spec.name}-{args.stack}", limits.AMP_WORKSPACE_ALIAS), opts=child
        )
        if args.spec.metrics_retention:  # else AMP's default, 150 days
            aws.amp.WorkspaceConfiguration(
                name, workspace_id=workspace.id,
                retention_period_in_days=retention_days(args.spec.metrics_retention), opts=child,
            )
        if args.spec.alerts:
            aws.amp.RuleGroupNamespace(
                name, workspace_id=workspace.id, name=args.spec.name, data=rules_document(args.spec), opts=child
            )
            aws.amp.AlertManagerDefinition(
                name,
                workspace_id=workspace.id,
                definition=pulumi.Output.from_input(args.alarm_topic_arn).apply(
                    lambda arn: alertmanager_document(arn, args.region)
                ),
                opts=child,
            )
        self.workspace_arn = workspace.arn
        self.collector = CollectorSettings(
            image=args.collector_image,
            region=args.region,
            remote_write_url=workspace.prometheus_endpoint.apply(lambda e: e.rstrip("/") + "/api/v1/remote_write"),
            workspace_arn=workspace.arn,
        )
        self.register_outputs({"workspace_arn": self.workspace_arn})
