"""CloudWatch for one app: an SNS topic for alarms, a dashboard and the alarms themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from appstack.spec import AppSpec
from appstack.stackconfig import StackSettings

from ..common import account_context
from . import alarm_thresholds as thresholds
from .dashboard import dashboard_body

MEMORY_ALARM_PERCENT = 80.0
RDS_CPU_ALARM_PERCENT = 80.0
REDIS_MEMORY_ALARM_PERCENT = 80.0


@dataclass(frozen=True)
class AlarmTopicArgs:
    kms_key_arn: pulumi.Input[str]
    emails: Sequence[str]
    https_endpoints: Sequence[str]
    event_rules: bool = False  # EventBridge rules publish here too (failed scheduled jobs)


class AlarmTopic(pulumi.ComponentResource):
    """The app's SNS topic: CloudWatch alarms and AMP Alertmanager publish, subscribers from config."""

    def __init__(self, name: str, args: AlarmTopicArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(name, kms_master_key_id=args.kms_key_arn, opts=child)
        account = account_context(args.kms_key_arn).account_id
        events = [
            {
                "Sid": "EventBridgeRules",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic.arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ]
        aws.sns.TopicPolicy(
            name,
            arn=topic.arn,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarms",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                        },
                        {
                            "Sid": "PrometheusAlertmanager",
                            "Effect": "Allow",
                            "Principal": {"Service": "aps.amazonaws.com"},
                            "Action": ["sns:GetTopicAttributes", "sns:Publish"],
                            "Resource": topic.arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                        },
                        *(events if args.event_rules else []),
                    ],
                }
            ),
            opts=child,
        )
        for index, email in enumerate(args.emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}", topic=topic.arn, protocol="email", endpoint=email, opts=child
            )
        for index, url in enumerate(args.https_endpoints):
            aws.sns.TopicSubscription(
                f"{name}-https-{index}", topic=topic.arn, protocol="https", endpoint=url, opts=child
            )
        self.arn = topic.arn
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class AppObservabilityArgs:
    spec: AppSpec
    settings: StackSettings
    cluster_name: str
    ecs_services: Sequence[str]
    topic_arn: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str] | None = None
    database_instance_id: pulumi.Input[str] | None = None
    cache_node_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    # On an environment's shared cluster and ALB: the cluster's name, the prefix of the app's ECS service
    # names, and the app's target groups (ALB metrics of this app only).
    ecs_cluster_name: str | None = None
    service_prefix: str = ""
    target_group_arn_suffixes: Sequence[pulumi.Input[str]] = ()


class AppObservability(pulumi.ComponentResource):
    """`alarms` maps a short key (alb-5xx, ecs-memory-<service>, rds-cpu, ...) to each MetricAlarm."""

    def __init__(self, name: str, args: AppObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppObservability", name, None, opts)
        self._name, self._args = name, args
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        self.dashboard = aws.cloudwatch.Dashboard(
            name,
            dashboard_name=args.cluster_name,
            dashboard_body=dashboard_body(
                region=args.settings.aws.region,
                cluster_name=args.ecs_cluster_name or args.cluster_name,
                ecs_services=[args.service_prefix + service for service in args.ecs_services],
                alb_arn_suffix=args.alb_arn_suffix,
                database_instance_id=args.database_instance_id,
                cache_node_ids=args.cache_node_ids,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._alb_alarms()
        for service in args.ecs_services:
            self._alarm(
                f"ecs-memory-{service}",
                f"{service}: average memory above {MEMORY_ALARM_PERCENT:g} % of the task",
                namespace="AWS/ECS",
                metric_name="MemoryUtilization",
                dimensions={"ClusterName": args.ecs_cluster_name or args.cluster_name,
                            "ServiceName": args.service_prefix + service},
                statistic="Average",
                threshold=MEMORY_ALARM_PERCENT,
            )
        self._data_alarms()
        self.register_outputs({"dashboard": self.dashboard.dashboard_name, "alarms": sorted(self.alarms)})

    def _alarm(self, key: str, description: str, *, comparison: str = "GreaterThanThreshold", **metric) -> None:
        args = self._args
        self.alarms[key] = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            name=f"{args.cluster_name}-{key}",
            alarm_description=description,
            comparison_operator=comparison,
            evaluation_periods=metric.pop("evaluation_periods", 5),
            datapoints_to_alarm=metric.pop("datapoints_to_alarm", 3),
            period=None if "metric_queries" in metric else metric.pop("period", 60),
            treat_missing_data="notBreaching",
            alarm_actions=[args.topic_arn],
            ok_actions=[args.topic_arn],
            **metric,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alb_alarms(self) -> None:
        args = self._args
        if args.alb_arn_suffix is None:
            return
        lb = {"LoadBalancer": args.alb_arn_suffix}
        percent = args.settings.aws.alarm_5xx_percent
        # A shared ALB carries every app of the environment: this app's metrics are its target groups'.
        groups = [{**lb, "TargetGroup": group} for group in args.target_group_arn_suffixes]

        def query(query_id: str, metric_name: str, dimensions: dict = lb, stat: str = "Sum") -> dict:
            return {
                "id": query_id,
                "return_data": False,
                "metric": {
                    "namespace": "AWS/ApplicationELB",
                    "metric_name": metric_name,
                    "dimensions": dimensions,
                    "period": 60,
                    "stat": stat,
                },
            }

        if groups:
            ids = range(1, len(groups) + 1)
            errors, requests = ", ".join(f"FILL(errors{i}, 0)" for i in ids), ", ".join(f"requests{i}" for i in ids)
            queries = [query(f"errors{i}", "HTTPCode_Target_5XX_Count", d) for i, d in enumerate(groups, 1)]
            queries += [query(f"requests{i}", "RequestCount", d) for i, d in enumerate(groups, 1)]
            expression = f"IF(SUM([{requests}]) > 0, 100 * SUM([{errors}]) / SUM([{requests}]), 0)"
        else:
            queries = [query("errors", "HTTPCode_Target_5XX_Count"), query("requests", "RequestCount")]
            expression = "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
        self._alarm(
            "alb-5xx",
            f"{args.spec.name}: more than {percent:g} % of requests end in a target 5xx",
            threshold=percent,
            metric_queries=[*queries, {"id": "rate", "expression": expression, "label": "5xx %", "return_data": True}],
        )
        latency = thresholds.p95_latency_seconds(args.spec, args.settings.aws.alarm_p95_latency_ms)
        description = f"{args.spec.name}: p95 target response time above {latency * 1000:g} ms"
        if groups:
            slowest = ", ".join(f"latency{i}" for i in range(1, len(groups) + 1))
            self._alarm("alb-p95-latency", description, threshold=latency, metric_queries=[
                *(query(f"latency{i}", "TargetResponseTime", d, "p95") for i, d in enumerate(groups, 1)),
                {"id": "slowest", "expression": f"MAX([{slowest}])", "label": "p95 (s)", "return_data": True},
            ])
            return
        self._alarm(
            "alb-p95-latency",
            description,
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions=lb,
            extended_statistic="p95",
            threshold=latency,
        )

    def _data_alarms(self) -> None:
        args = self._args
        if args.database_instance_id is not None:
            rds = {"namespace": "AWS/RDS", "dimensions": {"DBInstanceIdentifier": args.database_instance_id}}
            self._alarm(
                "rds-cpu",
                f"{args.spec.name}: database CPU above {RDS_CPU_ALARM_PERCENT:g} %",
                metric_name="CPUUtilization",
                statistic="Average",
                threshold=RDS_CPU_ALARM_PERCENT,
                **rds,
            )
            connections = thresholds.connection_threshold(args.spec)
            if connections is not None:
                self._alarm(
                    "rds-connections",
                    f"{args.spec.name}: more than {connections:g} database connections",
                    metric_name="DatabaseConnections",
                    statistic="Maximum",
                    threshold=connections,
                    **rds,
                )
            free = thresholds.free_storage_bytes_threshold(args.spec)
            if free is not None:
                used = thresholds.disk_used_percent(args.spec)
                self._alarm(
                    "rds-storage",
                    f"{args.spec.name}: database disk more than {used:g} % used",
                    comparison="LessThanThreshold",
                    metric_name="FreeStorageSpace",
                    statistic="Minimum",
                    threshold=free,
                    period=300,
                    evaluation_periods=2,
                    datapoints_to_alarm=2,
                    **rds,
                )
        for index, node in enumerate(args.cache_node_ids):
            self._alarm(
                f"redis-memory-{index + 1}",
                f"{args.spec.name}: Redis memory above {REDIS_MEMORY_ALARM_PERCENT:g} % of maxmemory",
                namespace="AWS/ElastiCache",
                metric_name="DatabaseMemoryUsagePercentage",
                dimensions={"CacheClusterId": node},
                statistic="Average",
                threshold=REDIS_MEMORY_ALARM_PERCENT,
            )
