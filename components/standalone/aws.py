"""AWS components one by one, without an app spec: RDS PostgreSQL, ElastiCache Redis, a bucket, an ECS service.

Each entry point takes a small typed args object and registers exactly what the same part of an app
registers (the same component types and child names). The network, the KMS key and the security groups
are the caller's (`AwsTarget`); tier defaults (Multi-AZ, protection, retention) come from the tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
from appstack.components.aws.buckets import AppBucket, AppBucketArgs
from appstack.components.aws.compute.app_compute import SPOT_BEHIND_THE_LOAD_BALANCER, unsafe_spot_mix
from appstack.components.aws.compute.ecs_service import EcsWorkload, EcsWorkloadArgs, LoadBalancerAttachment
from appstack.components.aws.compute.images import ImageRef
from appstack.components.aws.contracts import AppDataRefs, NetworkRefs
from appstack.components.aws.postgres import PostgresArgs, PostgresDatabase
from appstack.components.aws.redis import RedisArgs, RedisCache
from appstack.components.standalone import refuse_sidecars

from appstack.errors import ConfigError, Problem
from appstack.semantics import postgres_storage_problems
from appstack.spec import AppSpec, BucketSpec, ImageSpec, PostgresSpec, RedisSpec, ServiceSpec
from appstack.stackconfig import TIER_DEFAULTS, AwsSettings, StackSettings


@dataclass(frozen=True)
class AwsTarget:
    """Where standalone components go: the caller's VPC subnets, KMS key and security groups."""

    app: str  # names and tags the resources (physical names derive from app and stack)
    kms_key_arn: pulumi.Input[str]  # encrypts storage, logs and snapshots
    tier: Literal["dev", "prod"] = "dev"  # prod: Multi-AZ, deletion protection, longer retention
    stack: str | None = None  # default: the running Pulumi stack
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def stack_name(self) -> str:
        return self.stack or pulumi.get_stack()


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    target: AwsTarget
    spec: PostgresSpec
    subnet_ids: list[pulumi.Input[str]]  # isolated subnets, two AZs or more
    security_group_id: pulumi.Input[str]  # allows 5432 from the clients only


@dataclass(frozen=True)
class RedisCacheArgs:
    target: AwsTarget
    spec: RedisSpec
    subnet_ids: list[pulumi.Input[str]]  # isolated subnets
    security_group_id: pulumi.Input[str]  # allows 6379 from the clients only


def _data_store(args: PostgresDatabaseArgs | RedisCacheArgs) -> dict[str, Any]:
    """What RDS and ElastiCache take alike: the caller's network and key, the tier's defaults."""
    t, tier = args.target, TIER_DEFAULTS[args.target.tier]
    return {"app": t.app, "stack": t.stack_name, "spec": args.spec, "subnet_ids": list(args.subnet_ids),
            "security_group_id": args.security_group_id, "kms_key_arn": t.kms_key_arn,
            "high_availability": tier.high_availability, "protect": tier.protect_stateful,
            "log_retention_days": tier.log_retention_days, "tags": dict(t.tags)}


def postgres(name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> PostgresDatabase:
    """RDS PostgreSQL (`appstack:aws:Postgres`): outputs host, password and url (secrets), `instance`."""
    problems = postgres_storage_problems(args.spec, "spec")  # what load_stack refuses for an app's database
    if problems:
        raise ConfigError(problems, title=f"Invalid RDS storage for '{name}'")
    retention = TIER_DEFAULTS[args.target.tier].backup_retention_days
    return PostgresDatabase(name, PostgresArgs(**_data_store(args), backup_retention_days=retention), opts)


def redis(name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None) -> RedisCache:
    """ElastiCache Redis (`appstack:aws:Redis`), TLS and AUTH: outputs host, password and url (secrets)."""
    retention = TIER_DEFAULTS[args.target.tier].backup_retention_days
    return RedisCache(name, RedisArgs(**_data_store(args), snapshot_retention_days=retention), opts)


@dataclass(frozen=True)
class BucketArgs:
    target: AwsTarget
    bucket: str  # the bucket's name in your code (the physical name is generated, unique)
    spec: BucketSpec
    access_log_bucket: pulumi.Input[str] | None = None  # server access logs (recommended in prod)


def bucket(name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None) -> AppBucket:
    """A private S3 bucket (`appstack:aws:Bucket`): KMS-encrypted, TLS only, public access blocked."""
    t = args.target
    return AppBucket(name, AppBucketArgs(
        app=t.app, stack=t.stack_name, bucket_name=args.bucket, spec=args.spec, app_values={},
        kms_key_arn=t.kms_key_arn, versioning=t.tier == "prod", protect=TIER_DEFAULTS[t.tier].protect_stateful,
        log_bucket=args.access_log_bucket, tags=dict(t.tags)), opts)


@dataclass(frozen=True)
class EcsServiceArgs:
    target: AwsTarget
    service: str  # the ECS service and container name
    image: str  # a pinned image reference (tag or digest)
    spec: ServiceSpec  # its `image` is ignored: the reference above is used
    vpc_id: pulumi.Input[str]
    private_subnet_ids: list[pulumi.Input[str]]  # tasks run here, without public IPs
    task_security_group_id: pulumi.Input[str]  # attached to the tasks (egress, access to data stores)
    cluster_name: str
    cluster_arn: pulumi.Input[str]
    namespace_id: pulumi.Input[str]  # Cloud Map namespace: the service registers as <service>.<namespace>
    region: str = "us-east-1"
    # Env var -> ARN of a Secrets Manager secret holding its value (read by the task at start).
    secret_env_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    load_balancer: LoadBalancerAttachment | None = None  # a target group of your ALB


def ecs_service(name: str, args: EcsServiceArgs, opts: pulumi.ResourceOptions | None = None) -> EcsWorkload:
    """A Fargate service (`appstack:aws:EcsWorkload`): task definition, least-privilege roles, logs, its
    security group and the ECS service; outputs `service`, `task_definition`, `roles`."""
    t = args.target
    if t.tier == "prod" and args.load_balancer is not None and unsafe_spot_mix(args.spec):
        raise ConfigError([Problem("spec.capacity_providers", SPOT_BEHIND_THE_LOAD_BALANCER)],
                          title=f"Invalid capacity providers for '{name}'")
    env = {**args.spec.env, **{key: f"${{secrets.{key}}}" for key in args.secret_env_arns}}
    refuse_sidecars(args.spec)
    service = args.spec.model_copy(update={"image": "app", "env": env})
    spec = AppSpec(name=t.app, images={"app": ImageSpec(repository="standalone", tag="0")},
                   services={args.service: service},
                   secrets={key: {"source": "provided"} for key in args.secret_env_arns})
    settings = StackSettings(platform="aws", tier=t.tier, aws=AwsSettings(region=args.region), apps={t.app: {}})
    network = NetworkRefs(vpc_id=pulumi.Output.from_input(args.vpc_id), vpc_cidr=pulumi.Output.from_input(""),
                          public_subnet_ids=[], private_subnet_ids=list(args.private_subnet_ids),  # type: ignore[arg-type]
                          isolated_subnet_ids=[], availability_zones=[])
    data = AppDataRefs(
        kms_key_arn=pulumi.Output.from_input(t.kms_key_arn),
        workload_security_group_id=pulumi.Output.from_input(args.task_security_group_id),
        binding_values={f"secrets.{key}": pulumi.Output.secret("") for key in args.secret_env_arns},
        env_secret_arns={(args.service, key): pulumi.Output.from_input(arn)
                         for key, arn in args.secret_env_arns.items()},
        secret_arns=[pulumi.Output.from_input(arn) for arn in args.secret_env_arns.values()],
        bucket_arns={}, file_systems={},
    )
    image = ImageRef(reference=pulumi.Output.from_input(args.image), repository_arn=None, cpu_architecture="X86_64")
    return EcsWorkload(name, EcsWorkloadArgs(
        spec=spec, workload=args.service, container=service, settings=settings, stack=t.stack_name,
        network=network, data=data, cluster_name=args.cluster_name, cluster_arn=args.cluster_arn,
        namespace_id=args.namespace_id, image=image, service_values={},
        rollout_key=pulumi.Output.secret(f"{t.app}-{args.service}"), load_balancer=args.load_balancer), opts)
