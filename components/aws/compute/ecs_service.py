"""One long-running workload (service or worker) on ECS Fargate: log group, roles, task definition,
security group, Cloud Map registration, the ECS service and its autoscaling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
from appstack.components.bindings import env_entries, render, secret_digest

from appstack.spec import AppSpec, ServiceSpec, SqliteSpec, WorkerSpec, references
from appstack.spec.workloads import ContainerSpec
from appstack.stackconfig import StackSettings

from ..contracts import AppDataRefs, FileSystemRefs, NetworkRefs, sidecar_key
from . import iam
from .autoscaling import ScalingArgs, attach_autoscaling
from .images import ImageRef
from .naming import log_group_name
from .prometheus import CollectorSettings, collector_sidecar
from .rollout import ecs_rollout_budget
from .service_discovery import discovery_service
from .task_definition import (
    ContainerPlan,
    Sidecar,
    TaskDefinitionArgs,
    env_and_secrets,
    present_secrets,
    task_definition,
    task_size,
    user_sidecar,
)


@dataclass(frozen=True)
class LoadBalancerAttachment:
    security_group_id: pulumi.Input[str]  # the ALB's
    target_group_arn: pulumi.Input[str]
    request_count_label: pulumi.Input[str]  # "<alb arn suffix>/<target group arn suffix>"


@dataclass(frozen=True)
class EcsWorkloadArgs:
    spec: AppSpec
    workload: str
    container: ServiceSpec | WorkerSpec
    settings: StackSettings
    stack: str
    network: NetworkRefs
    data: AppDataRefs
    cluster_name: str  # the app's name prefix (task family); its cluster too unless ecs_cluster_name is set
    cluster_arn: pulumi.Input[str]
    namespace_id: pulumi.Input[str]
    image: ImageRef
    service_values: Mapping[str, str]
    rollout_key: pulumi.Input[str]  # keys the secret-env digest (see appstack.components.bindings.secret_digest)
    load_balancer: LoadBalancerAttachment | None = None
    collector: CollectorSettings | None = None
    images: Mapping[str, ImageRef] = field(default_factory=dict)  # the app's, for its sidecars
    ecs_cluster_name: str | None = None  # an environment's shared cluster
    service_name: str | None = None  # the ECS service's name (default: the workload's; unique per cluster)


def container_roles(
    name: str,
    parent: pulumi.Resource,
    *,
    spec: AppSpec,
    container: ContainerSpec,
    image: ImageRef,
    log_group_arn: pulumi.Input[str],
    secrets: list[dict[str, Any]],
    data: AppDataRefs,
    description: str,
    file_systems: list[FileSystemRefs] | None = None,
    exec_enabled: bool = False,
    prometheus_workspace_arn: pulumi.Input[str] | None = None,
    buckets: Sequence[str] | None = None,
    sidecar_images: Sequence[ImageRef] = (),
) -> iam.TaskRoles:
    """The execution role (its image, log group and secrets) and the task role (its buckets, volumes).
    `buckets`: the buckets it may use; default: those its env references (with the app's env)."""
    buckets = referenced_buckets(spec, container) if buckets is None else buckets
    return iam.task_roles(
        name,
        execution_document=iam.execution_policy(
            repository_arns=[i.repository_arn for i in (image, *sidecar_images) if i.repository_arn is not None],
            log_group_arn=log_group_arn,
            secret_arns=[s["valueFrom"] for s in secrets],
            kms_key_arn=data.kms_key_arn,
        ),
        task_document=iam.task_policy(
            iam.TaskGrants(
                bucket_arns=[bucket_arn(data.bucket_arns[b]) for b in buckets],
                file_systems=file_systems or [],
                exec_enabled=exec_enabled,
                prometheus_workspace_arn=prometheus_workspace_arn,
                extra_statements=[s.document(i) for i, s in enumerate(container.iam_statements)],
            ),
            data.kms_key_arn,
        ),
        kms_key_arn=data.kms_key_arn,
        description=description,
        parent=parent,
    )


def referenced_buckets(spec: AppSpec, container: ContainerSpec) -> list[str]:
    """Buckets this workload's env names (storage.<bucket>.*): the only ones its task role may touch."""
    names = {
        ref.split(".")[1]
        for t in spec.env_for(container).values()
        for ref in references(t)
        if ref.startswith("storage.")
    }
    return sorted(names)


def log_group(
    name: str,
    spec: AppSpec,
    stack: str,
    workload: str,
    settings: StackSettings,
    data: AppDataRefs,
    parent: pulumi.Resource,
) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        name,
        name=log_group_name(spec.name, stack, workload),
        retention_in_days=settings.defaults.log_retention_days,
        kms_key_id=data.kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def grace_period(container: ServiceSpec | WorkerSpec, minimum: int) -> int:
    """The configured grace period, stretched to cover the spec's startup probe budget."""
    startup = container.health.startup
    budget = startup.initial_delay_seconds + startup.period_seconds * startup.failure_threshold if startup else 0
    return max(minimum, budget)


def capacity_strategy(container: ServiceSpec | WorkerSpec, settings: StackSettings) -> list[dict[str, Any]]:
    """The ECS capacity provider strategy: the spec's mix, else FARGATE_SPOT for dev workers with the
    deprecated aws.spot_workers, else FARGATE. A base is written only when above 0, so the mix
    [{provider: FARGATE_SPOT}] registers exactly what spot_workers always did."""
    if container.capacity_providers is not None:
        return [
            {"capacity_provider": item.provider, "weight": item.weight, **({"base": item.base} if item.base else {})}
            for item in container.capacity_providers
        ]
    spot = isinstance(container, WorkerSpec) and settings.aws.spot_workers and settings.tier == "dev"
    return [{"capacity_provider": "FARGATE_SPOT" if spot else "FARGATE", "weight": 1}]


def bucket_arn(value: object) -> pulumi.Input[str]:
    return value[0] if isinstance(value, tuple) else value  # type: ignore[return-value]


class EcsWorkload(pulumi.ComponentResource):
    """`service` (aws.ecs.Service), `task_definition`, `roles`, and `security_group_id` for services."""

    def __init__(self, name: str, args: EcsWorkloadArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:EcsWorkload", name, None, opts)
        spec, container, aws_settings = args.spec, args.container, args.settings.aws
        is_service = isinstance(container, ServiceSpec)
        logs = log_group(name, spec, args.stack, args.workload, args.settings, args.data, self)

        environment, secrets = env_and_secrets(spec, args.workload, container, args.data, args.service_values)
        # Tasks read their secrets only at start: a changed value redeploys the service (see secret_digest).
        values = {**args.data.binding_values, **args.service_values}
        secret_env = {
            entry.name: render(entry.template, values)
            for entry in env_entries(spec, container, present_secrets(args.data))
            if entry.secret
        }
        file_systems = (
            {v: args.data.file_systems[(args.workload, v)] for v in sorted(container.volumes)} if is_service else {}
        )
        sidecars: list[Sidecar] = []
        if is_service and container.metrics is not None and args.collector is not None:
            sidecars.append(collector_sidecar(spec.name, args.workload, container, args.collector, logs.name))
        sidecar_secrets: list[dict[str, Any]] = []
        for sidecar_name, sidecar in sorted(container.sidecars.items()):
            sidecar_env, own_secrets = env_and_secrets(
                spec, sidecar_key(args.workload, sidecar_name), sidecar, args.data, args.service_values)  # type: ignore[arg-type]
            sidecar_secrets += own_secrets
            sidecars.append(user_sidecar(sidecar_name, sidecar, ContainerPlan(
                name=sidecar_name, image=args.images[sidecar.image].reference, log_group=logs.name,
                region=aws_settings.region, environment=sidecar_env, secrets=own_secrets)))
        self.roles = container_roles(
            name,
            self,
            spec=spec,
            container=container,
            image=args.image,
            log_group_arn=logs.arn,
            secrets=secrets + sidecar_secrets,
            sidecar_images=[args.images[s.image] for s in container.sidecars.values()],
            data=args.data,
            description=f"{spec.name} {args.workload} ({args.stack})",
            file_systems=list(file_systems.values()),
            exec_enabled=aws_settings.ecs_exec,
            prometheus_workspace_arn=args.collector.workspace_arn if sidecars and args.collector else None,
        )
        group = "services" if is_service else "workers"
        self.task_definition = task_definition(
            name,
            TaskDefinitionArgs(
                family=f"{args.cluster_name}-{args.workload}",
                container=container,
                plan=ContainerPlan(
                    name=args.workload,
                    image=args.image.reference,
                    log_group=logs.name,
                    region=aws_settings.region,
                    environment=environment,
                    secrets=secrets,
                    file_systems=file_systems,
                    exec_enabled=aws_settings.ecs_exec,
                ),
                size=task_size(container, sidecars, path=f"apps.{spec.name}.{group}.{args.workload}.resources"),
                execution_role_arn=self.roles.execution.arn,
                task_role_arn=self.roles.task.arn,
                cpu_architecture=args.image.cpu_architecture,
                sidecars=sidecars,
            ),
            self,
        )

        security_groups: list[pulumi.Input[str]] = [args.data.workload_security_group_id]
        registries = None
        self.security_group_id: pulumi.Output[str] | None = None
        if isinstance(container, ServiceSpec):
            self.security_group_id = self._service_security_group(name, args, container)
            security_groups.append(self.security_group_id)
            registries = {"registry_arn": discovery_service(name, args.workload, args.namespace_id, self).arn}

        lb = args.load_balancer
        # A SQLite service is the only writer of its database file, and a singleton must never run twice:
        # a deployment stops the old task before it starts the new one.
        sqlite_writer = isinstance(spec.database, SqliteSpec) and spec.database.service == args.workload
        single_writer = sqlite_writer or container.singleton
        grace = grace_period(container, aws_settings.health_check_grace_period_seconds) if lb else None
        rollout = ecs_rollout_budget(container, grace_seconds=grace,
                                     deregistration_delay_seconds=aws_settings.deregistration_delay_seconds)
        self.service = aws.ecs.Service(
            name,
            name=args.service_name or args.workload,
            cluster=args.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=container.min_replicas,
            capacity_provider_strategies=capacity_strategy(container, args.settings),
            platform_version="LATEST",
            network_configuration={
                "subnets": args.network.private_subnet_ids,
                "security_groups": security_groups,
                "assign_public_ip": False,
            },
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=0 if single_writer else 100,
            deployment_maximum_percent=100 if single_writer else 200,
            health_check_grace_period_seconds=grace,
            load_balancers=(
                [
                    {
                        "target_group_arn": lb.target_group_arn,
                        "container_name": args.workload,
                        "container_port": container.port,
                    }
                ]
                if lb and isinstance(container, ServiceSpec)
                else None
            ),
            service_registries=registries,
            enable_execute_command=aws_settings.ecs_exec,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            wait_for_steady_state=aws_settings.wait_for_steady_state,
            force_new_deployment=bool(secret_env),
            triggers={"secret-env": secret_digest(secret_env, args.rollout_key)} if secret_env else None,
            # A rollout the circuit breaker rolls back fails `pulumi up`, within a bound derived from the spec.
            # Autoscaling owns the running count once the service exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCount"] if container.autoscale else None,
                                        custom_timeouts=rollout.custom_timeouts()
                                        if aws_settings.wait_for_steady_state else None),
        )
        if container.autoscale is not None:
            attach_autoscaling(
                name,
                ScalingArgs(
                    cluster_name=args.ecs_cluster_name or args.cluster_name,
                    service_name=self.service.name,
                    autoscale=container.autoscale,
                    request_count_label=lb.request_count_label if lb else None,
                ),
                self,
            )
        self.register_outputs({"service": self.service.name, "task_definition": self.task_definition.arn})

    def _service_security_group(self, name: str, args: EcsWorkloadArgs, svc: ServiceSpec) -> pulumi.Output[str]:
        """The service port, open only to the app's own tasks and (public services) to the ALB; a
        metrics.scrape_only service (an exporter) admits nothing: its collector sidecar scrapes it over
        localhost."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            name,
            vpc_id=args.network.vpc_id,
            description=f"{args.spec.name} {args.workload}: port {svc.port} in",
            opts=child,
        )
        if svc.scrape_only:
            return group.id
        ports = {"from_port": svc.port, "to_port": svc.port, "ip_protocol": "tcp"}
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-tasks",
            security_group_id=group.id,
            referenced_security_group_id=args.data.workload_security_group_id,
            description=f"{args.workload} port {svc.port} from the app tasks (service discovery)",
            **ports,
            opts=child,
        )
        if args.load_balancer is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-alb",
                security_group_id=group.id,
                referenced_security_group_id=args.load_balancer.security_group_id,
                description=f"{args.workload} port {svc.port} from the load balancer",
                **ports,
                opts=child,
            )
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-alb-to-service",
                security_group_id=args.load_balancer.security_group_id,
                referenced_security_group_id=group.id,
                description=f"load balancer to {args.workload} port {svc.port}",
                **ports,
                opts=child,
            )
        return group.id
