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
    shared: tuple[str, pulumi.Input[str]] | None = None  # an environment's cluster (name, ARN): only the namespace here


class EcsCluster(pulumi.ComponentResource):
    """`name`, `arn`, the Cloud Map `namespace_id` and `namespace` (the DNS suffix of every service)."""

    def __init__(self, name: str, args: EcsClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:EcsCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.shared is None:
            self.name = cluster_name(args.app, args.stack)
            self.arn = ecs_cluster(name, self.name, self).arn
        else:
            self.name, self.arn = args.shared[0], pulumi.Output.from_input(args.shared[1])
        self.namespace = namespace_name(args.app, args.stack)
        self.dns_namespace = aws.servicediscovery.PrivateDnsNamespace(
            name,
            name=self.namespace,
            vpc=args.vpc_id,
            description=f"internal addresses of {args.app} services",
            opts=child,
        )
        self.namespace_id = self.dns_namespace.id
        self.register_outputs({"name": self.name, "arn": self.arn, "namespace": self.namespace})


def ecs_cluster(name: str, physical_name: str, parent: pulumi.Resource) -> aws.ecs.Cluster:
    """A cluster with Container Insights; FARGATE by default, FARGATE_SPOT available (dev workers)."""
    child = pulumi.ResourceOptions(parent=parent)
    cluster = aws.ecs.Cluster(
        name, name=physical_name, settings=[{"name": "containerInsights", "value": "enabled"}], opts=child
    )
    aws.ecs.ClusterCapacityProviders(
        name,
        cluster_name=cluster.name,
        capacity_providers=["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
        opts=child,
    )
    return cluster
