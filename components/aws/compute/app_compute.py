"""AppCompute: everything that runs one app on ECS Fargate, on top of the network and data layer.

images -> cluster -> (alarm topic, Prometheus) -> load balancer -> one EcsWorkload per service and
worker -> the platform's `db-bootstrap` job (RDS PostgreSQL: application role, ownership, extensions)
and one MigrationJob per job -> the app's schedules (EventBridge Scheduler) -> dashboard and alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from appstack.errors import ConfigError, Problem
from appstack.spec import AppSpec, ServiceSpec, WorkerSpec
from appstack.stackconfig import StackSettings

from ..contracts import AppDataRefs, NetworkRefs, SharedRefs
from .cluster import EcsCluster, EcsClusterArgs
from .db_bootstrap import FORMER_JOB as FORMER_BOOTSTRAP_JOB
from .db_bootstrap import JOB as BOOTSTRAP_JOB
from .db_bootstrap import DatabaseBootstrapJob, needs_bootstrap_job
from .ecs_service import EcsWorkload, EcsWorkloadArgs, LoadBalancerAttachment
from .images import AppImages, AppImagesArgs
from .jobs import JobPlacement, MigrationJob, MigrationJobArgs, ReleaseJob
from .load_balancer import AppLoadBalancer, AppLoadBalancerArgs
from .naming import cluster_name
from .observability import AlarmTopic, AlarmTopicArgs, AppObservability, AppObservabilityArgs
from .prometheus import AppPrometheus, AppPrometheusArgs
from .schedules import AppSchedules, AppSchedulesArgs
from .service_discovery import service_values
from .task_definition import check_health_limits, check_sidecar_health_limits


@dataclass(frozen=True)
class AppComputeArgs:
    spec: AppSpec
    settings: StackSettings
    stack: str
    network: NetworkRefs
    data: AppDataRefs
    # Keys the digest that redeploys a service when one of its secret values changes (secret).
    rollout_key: pulumi.Input[str]
    # Optional, for the dashboard and alarms: the RDS instance identifier and the ElastiCache
    # replication group id with its node count (nodes are <group>-001, <group>-002, ...).
    database_instance_id: pulumi.Input[str] | None = None
    cache_replication_group_id: pulumi.Input[str] | None = None
    cache_node_count: int = 1
    # App stacks: the environment's cluster, ALB and alarm topic instead of the app's own.
    shared: SharedRefs | None = None


def settings_problems(spec: AppSpec, settings: StackSettings) -> list[Problem]:
    """What only a dev stack may do, or ECS refuses; load_stack reports these with every other config error."""
    problems = []
    plain_http = bool(spec.public_services) and not (spec.tls and spec.domain)
    if plain_http and not (settings.aws.allow_plain_http and settings.tier == "dev"):
        problems.append(
            Problem(
                f"apps.{spec.name}.tls",
                "public routes without TLS need a dev stack with aws.allow_plain_http: true; "
                "give the app a domain to serve it over HTTPS",
            )
        )
    if settings.aws.spot_workers and settings.tier != "dev":
        problems.append(Problem("aws.spot_workers", "FARGATE_SPOT workers are for dev stacks only"))
    if settings.tier == "prod":
        problems += _spot_behind_the_load_balancer(spec)
    for group in ("services", "workers"):
        for workload, container in sorted(getattr(spec, group).items()):
            path = f"apps.{spec.name}.{group}.{workload}"
            problems += [Problem(p, m) for p, m in check_health_limits(container, path)]
            problems += [Problem(p, m) for p, m in check_sidecar_health_limits(container, path)]
    for reserved in (BOOTSTRAP_JOB, FORMER_BOOTSTRAP_JOB):
        if needs_bootstrap_job(spec) and reserved in spec.jobs:
            problems.append(
                Problem(
                    f"apps.{spec.name}.jobs.{reserved}",
                    "this job name is reserved: the platform's release job creates the application role "
                    "and database.extensions",
                )
            )
    return problems


SPOT_BEHIND_THE_LOAD_BALANCER = ("a prod service behind the load balancer that uses FARGATE_SPOT needs FARGATE with "
                                 "base >= 1 (all Spot tasks can be reclaimed at once)")


def unsafe_spot_mix(service: ServiceSpec | WorkerSpec) -> bool:
    """FARGATE_SPOT in the mix without a FARGATE base of 1 or more: Spot tasks can all be reclaimed at once (two
    minutes' notice), so a prod service behind the load balancer would stop serving."""
    mix = {item.provider: item for item in service.capacity_providers or []}
    return "FARGATE_SPOT" in mix and ("FARGATE" not in mix or mix["FARGATE"].base < 1)


def _spot_behind_the_load_balancer(spec: AppSpec) -> list[Problem]:
    return [Problem(f"apps.{spec.name}.services.{name}.capacity_providers", SPOT_BEHIND_THE_LOAD_BALANCER)
            for name, service in sorted(spec.public_services.items()) if unsafe_spot_mix(service)]


def check_settings(args: AppComputeArgs) -> None:
    """Refuse what only a dev stack may do, before any resource is registered (load_stack already has)."""
    problems = settings_problems(args.spec, args.settings)
    if problems:
        raise ConfigError(problems, title=f"Invalid AWS compute settings for app '{args.spec.name}'")


def cache_node_ids(args: AppComputeArgs) -> list[pulumi.Output[str]]:
    if args.cache_replication_group_id is None:
        return []
    group = pulumi.Output.from_input(args.cache_replication_group_id)
    return [group.apply(lambda g, n=n: f"{g}-{n:03d}") for n in range(1, args.cache_node_count + 1)]


class AppCompute(pulumi.ComponentResource):
    """`url` (https://<domain> when the app has public routes, else None), `cluster_name`,
    `workloads` (name -> EcsWorkload), `jobs` (name -> ReleaseJob: the platform's `db-bootstrap`
    first when the database is RDS PostgreSQL, then one MigrationJob per spec job) and
    `migration_commands` (job -> command, in the same order)."""

    url: pulumi.Output[str] | None

    def __init__(self, name: str, args: AppComputeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppCompute", name, None, opts)
        check_settings(args)
        spec, settings = args.spec, args.settings
        child = pulumi.ResourceOptions(parent=self)

        shared = args.shared
        self.cluster = EcsCluster(
            name,
            EcsClusterArgs(app=spec.name, stack=args.stack, vpc_id=args.network.vpc_id,
                           shared=(shared.cluster_name, shared.cluster_arn) if shared else None),
            child,
        )
        self.cluster_name = self.cluster.name
        # Task families, dashboards and alarms keep the app's own prefix whichever cluster runs the tasks;
        # on a shared cluster ECS service names carry the app's name (they are unique per cluster).
        prefix = cluster_name(spec.name, args.stack)
        ecs_cluster = self.cluster.name if shared else None
        service_prefix = f"{spec.name}-" if shared else ""
        images = AppImages(
            name,
            AppImagesArgs(
                spec=spec,
                kms_key_arn=args.data.kms_key_arn,
                keep_images=settings.aws.ecr_keep_images,
                protect=settings.defaults.protect_stateful,
            ),
            child,
        )
        topic_arn = shared.alarm_topic_arn if shared else AlarmTopic(
            f"{name}-alarms",
            AlarmTopicArgs(
                kms_key_arn=args.data.kms_key_arn,
                emails=settings.aws.alarm_emails,
                https_endpoints=settings.aws.alarm_https_endpoints,
                event_rules=bool(spec.schedules),
            ),
            child,
        ).arn
        prometheus = None
        managed_prometheus = settings.managed_prometheus(has_alerts=bool(spec.alerts))
        if spec.alerts and not managed_prometheus:
            # Never silently absent: the plan and `pulumi up` say which of the guide's alerts do not run.
            pulumi.log.warn(
                f"{spec.name}: {len(spec.alerts)} PromQL alerts are not deployed on AWS "
                f"({', '.join(alert.name for alert in spec.alerts)}); set appstack:aws.managed_prometheus: true"
            )
        if managed_prometheus:
            prometheus = AppPrometheus(
                name,
                AppPrometheusArgs(
                    spec=spec,
                    stack=args.stack,
                    region=settings.aws.region,
                    alarm_topic_arn=topic_arn,
                    collector_image=settings.aws.prometheus_collector_image,
                ),
                child,
            )
        self.load_balancer = None
        if spec.public_services:
            self.load_balancer = AppLoadBalancer(
                name,
                AppLoadBalancerArgs(
                    spec=spec,
                    settings=settings,
                    network=args.network,
                    kms_key_arn=args.data.kms_key_arn,
                    tls=bool(spec.tls and spec.domain),
                    shared=shared.edge if shared else None,
                ),
                child,
            )
        addresses = service_values(spec, self.cluster.namespace)

        self.workloads: dict[str, EcsWorkload] = {}
        for workload, container in sorted(spec.workloads().items()):
            attachment = None
            if self.load_balancer is not None and workload in self.load_balancer.target_groups:
                target_group = self.load_balancer.target_groups[workload]
                attachment = LoadBalancerAttachment(
                    security_group_id=self.load_balancer.security_group_id,
                    target_group_arn=target_group.arn,
                    request_count_label=pulumi.Output.concat(
                        self.load_balancer.arn_suffix, "/", target_group.arn_suffix
                    ),
                )
            self.workloads[workload] = EcsWorkload(
                f"{name}-{workload}",
                EcsWorkloadArgs(
                    spec=spec,
                    workload=workload,
                    container=container,
                    settings=settings,
                    stack=args.stack,
                    network=args.network,
                    data=args.data,
                    cluster_name=prefix,
                    cluster_arn=self.cluster.arn,
                    namespace_id=self.cluster.namespace_id,
                    image=images.images[container.image],
                    service_values=addresses,
                    load_balancer=attachment,
                    collector=prometheus.collector if prometheus else None,
                    rollout_key=args.rollout_key,
                    images=images.images,
                    ecs_cluster_name=ecs_cluster,
                    service_name=f"{service_prefix}{workload}",
                ),
                child,
            )
        # Platform jobs first; release_commands_by_phase keeps them ahead of the spec's jobs in the output.
        self.jobs: dict[str, ReleaseJob] = {}
        placement = JobPlacement(
            spec=spec,
            settings=settings,
            stack=args.stack,
            network=args.network,
            data=args.data,
            cluster_name=prefix,
            ecs_cluster_name=ecs_cluster,
        )
        if needs_bootstrap_job(spec):
            self.jobs[BOOTSTRAP_JOB] = DatabaseBootstrapJob(f"{name}-job-{BOOTSTRAP_JOB}", placement, child)
        self.jobs |= {
            job: MigrationJob(
                f"{name}-job-{job}",
                MigrationJobArgs(
                    spec=spec,
                    job=job,
                    container=container,
                    settings=settings,
                    stack=args.stack,
                    network=args.network,
                    data=args.data,
                    cluster_name=prefix,
                    image=images.images[container.image],
                    service_values=addresses,
                    ecs_cluster_name=ecs_cluster,
                ),
                child,
            )
            for job, container in sorted(spec.jobs.items())
        }
        self.migration_commands = {job: migration.command for job, migration in self.jobs.items()}
        self.schedules = None
        if spec.schedules:
            self.schedules = AppSchedules(
                name,
                AppSchedulesArgs(
                    where=placement,
                    cluster_arn=self.cluster.arn,
                    images=images.images,
                    service_values=addresses,
                    topic_arn=topic_arn,
                ),
                child,
            )
        self.observability = AppObservability(
            name,
            AppObservabilityArgs(
                spec=spec,
                settings=settings,
                cluster_name=prefix,
                ecs_services=sorted(self.workloads),
                topic_arn=topic_arn,
                alb_arn_suffix=self.load_balancer.arn_suffix if self.load_balancer else None,
                database_instance_id=args.database_instance_id,
                cache_node_ids=cache_node_ids(args),
                ecs_cluster_name=ecs_cluster,
                service_prefix=service_prefix,
                target_group_arn_suffixes=[
                    group.arn_suffix for _, group in sorted(self.load_balancer.target_groups.items())
                ] if shared and self.load_balancer else [],
            ),
            child,
        )
        self.alarm_topic_arn = topic_arn
        self.url = self.load_balancer.url if self.load_balancer else None
        self.register_outputs(
            {
                "url": self.url,
                "cluster_name": self.cluster_name,
                "alarm_topic_arn": self.alarm_topic_arn,
                "migration_commands": self.migration_commands,
            }
        )
