"""Target-tracking autoscaling of an ECS service: CPU, memory and (web services) ALB requests per target."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.spec import AutoscaleSpec

SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300


@dataclass(frozen=True)
class ScalingArgs:
    cluster_name: str
    service_name: pulumi.Input[str]
    autoscale: AutoscaleSpec
    # "<alb arn suffix>/<target group arn suffix>" for a service behind the ALB
    request_count_label: pulumi.Input[str] | None = None


def metric_targets(args: ScalingArgs) -> list[tuple[str, str, float]]:
    """(policy suffix, predefined metric, target value) for every target the spec sets."""
    spec = args.autoscale
    targets = []
    if spec.cpu_percent:
        targets.append(("cpu", "ECSServiceAverageCPUUtilization", float(spec.cpu_percent)))
    if spec.memory_percent:
        targets.append(("memory", "ECSServiceAverageMemoryUtilization", float(spec.memory_percent)))
    if spec.requests_per_target and args.request_count_label is not None:
        targets.append(("requests", "ALBRequestCountPerTarget", float(spec.requests_per_target)))
    return targets


def attach_autoscaling(name: str, args: ScalingArgs, parent: pulumi.Resource) -> aws.appautoscaling.Target:
    opts = pulumi.ResourceOptions(parent=parent)
    target = aws.appautoscaling.Target(
        name,
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", args.cluster_name, "/", args.service_name),
        min_capacity=args.autoscale.min,
        max_capacity=args.autoscale.max,
        opts=opts,
    )
    for suffix, metric, value in metric_targets(args):
        predefined: dict = {"predefined_metric_type": metric}
        if metric == "ALBRequestCountPerTarget":
            predefined["resource_label"] = args.request_count_label
        aws.appautoscaling.Policy(
            f"{name}-{suffix}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": value,
                "predefined_metric_specification": predefined,
                "scale_out_cooldown": SCALE_OUT_COOLDOWN,
                "scale_in_cooldown": SCALE_IN_COOLDOWN,
            },
            opts=opts,
        )
    return target
