"""The app's ECS cluster (Container Insights, FARGATE and FARGATE_SPOT) and its private DNS namespace."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .naming import cluster_name, namespace_name


@dataclass(frozen=True)
class EcsClusterArgs:
    app: str
    stack: str
    vpc_id: pulumi.Input[str]


class EcsCluster(pulumi.ComponentResource):
    """`name`, `arn`, the Cloud Map `namespace_id` and `namespace` (the DNS suffix of every service)."""

    def __init__(self, name: str, args: EcsClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:EcsCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = cluster_name(args.app, args.stack)
        self.cluster = aws.ecs.Cluster(
            name,
            name=self.name,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=child,
        )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            name,
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
            opts=child,
        )
        self.namespace = namespace_name(args.app, args.stack)
        self.dns_namespace = aws.servicediscovery.PrivateDnsNamespace(
            name,
            name=self.namespace,
            vpc=args.vpc_id,
            description=f"internal addresses of {args.app} services",
            opts=child,
        )
        self.arn = self.cluster.arn
        self.namespace_id = self.dns_namespace.id
        self.register_outputs({"name": self.name, "arn": self.arn, "namespace": self.namespace})
