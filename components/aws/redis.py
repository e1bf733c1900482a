"""ElastiCache for Redis for one app: a replication group encrypted at rest (the app's key) and in
transit, with an AUTH token from a generated secret; prod adds a replica with automatic failover.

ElastiCache sizes `maxmemory` from the node type, so the spec's maxmemory_mb picks the node type; the
eviction policy and the spec's `directives` (timeout, tcp-keepalive, ...) go into the parameter group.
Redis 7 on ElastiCache has no AOF: persistence (aof or rdb) becomes daily snapshots where the tier
keeps backups; Multi-AZ replication is what protects writes in prod.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from appstack.naming import autonamed
from appstack.naming import aws as limits
from appstack.spec import RedisSpec

from .common import child, physical_name

PORT = 6379
RESERVED_MEMORY = 0.25  # ElastiCache's default reserved-memory-percent

# (node type, memory MiB), smallest first.
NODE_TYPES = [
    ("cache.t4g.micro", 512), ("cache.t4g.small", 1403), ("cache.t4g.medium", 3164), ("cache.m7g.large", 6533),
    ("cache.r7g.large", 13384), ("cache.r7g.xlarge", 26951), ("cache.r7g.2xlarge", 54087),
    ("cache.r7g.4xlarge", 108349), ("cache.r7g.8xlarge", 214579), ("cache.r7g.16xlarge", 429148),
]
DEV_LARGEST = "cache.t4g.small"
DEFAULT_MAXMEMORY_MB = 512


def node_type(spec: RedisSpec, high_availability: bool) -> str:
    """spec.node_type, else the smallest node whose usable memory holds maxmemory_mb (dev: at most t4g.small)."""
    if spec.node_type:
        return spec.node_type
    wanted = (spec.maxmemory_mb or DEFAULT_MAXMEMORY_MB) / (1 - RESERVED_MEMORY)
    names = [n for n, _ in NODE_TYPES]
    chosen = next((n for n, memory in NODE_TYPES if memory >= wanted), NODE_TYPES[-1][0])
    if not high_availability and names.index(chosen) > names.index(DEV_LARGEST):
        return DEV_LARGEST
    return chosen


def engine_version(spec: RedisSpec) -> tuple[str, str]:
    """(engine version, parameter group family) for the spec's version ("7" means 7.1, "6" means 6.2)."""
    major = spec.version.split(".")[0]
    version = spec.version if "." in spec.version else {"7": "7.1", "6": "6.2"}[major]
    return version, "redis7" if major == "7" else "redis6.x"


def parameters(spec: RedisSpec) -> list[dict[str, str]]:
    """The eviction policy and the spec's directives, as ElastiCache parameters of the same names (the stack
    refuses, before this runs, a directive ElastiCache does not let a parameter group modify)."""
    return [{"name": "maxmemory-policy", "value": spec.maxmemory_policy},
            *({"name": name, "value": value} for name, value in spec.directives.lines().items())]


@dataclass(frozen=True)
class RedisArgs:
    app: str
    stack: str
    spec: RedisSpec
    subnet_ids: list[pulumi.Output[str]]  # isolated subnets
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    high_availability: bool
    protect: bool
    snapshot_retention_days: int  # 0 turns snapshots off
    log_retention_days: int
    tags: dict[str, str]
    # ROTATE: a new token joins the old one; SET (after a ROTATE) revokes the old one (docs/operations.md 5.3).
    auth_token_update_strategy: str = "ROTATE"


class RedisCache(pulumi.ComponentResource):
    host: pulumi.Output[str]
    password: pulumi.Output[str]  # secret: the AUTH token
    url: pulumi.Output[str]  # secret: rediss://:token@host:6379

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Redis", name, None, opts)
        spec, ha = args.spec, args.high_availability
        version, family = engine_version(spec)
        subnets = aws.elasticache.SubnetGroup(name, subnet_ids=args.subnet_ids, description=f"{args.app}: isolated",
                                              tags=args.tags, opts=child(self))
        params = aws.elasticache.ParameterGroup(
            name, family=family, description=f"{args.app}: Redis {version}",
            parameters=parameters(spec), tags=args.tags,
            opts=child(self),
        )
        # 32 random bytes as 64 hex digits: within AUTH's 16-128 printable characters, URL-safe.
        token = random.RandomBytes(f"{name}-auth-token", length=32, opts=child(self, protect=args.protect))
        slow_log = aws.cloudwatch.LogGroup(f"{name}-slow-log", kms_key_id=args.kms_key_arn,
                                           retention_in_days=args.log_retention_days, tags=args.tags, opts=child(self))
        snapshots = args.snapshot_retention_days if spec.persistence != "none" else 0
        self.group = aws.elasticache.ReplicationGroup(
            autonamed(name, limits.REPLICATION_GROUP_ID),
            description=f"{args.app}: Redis {version}",
            engine="redis",
            engine_version=version,
            node_type=node_type(spec, ha),
            num_cache_clusters=2 if ha else 1,
            automatic_failover_enabled=ha,
            multi_az_enabled=ha,
            port=PORT,
            parameter_group_name=params.name,
            subnet_group_name=subnets.name,
            security_group_ids=[args.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=token.hex,
            auth_token_update_strategy=args.auth_token_update_strategy,
            auto_minor_version_upgrade=True,
            apply_immediately=not ha,
            maintenance_window="sun:05:00-sun:06:00",
            snapshot_retention_limit=min(snapshots, 35),
            snapshot_window="03:00-04:00" if snapshots else None,
            final_snapshot_identifier=physical_name(args.stack, args.app, "redis-final") if args.protect else None,
            log_delivery_configurations=[{
                "destination": slow_log.name, "destination_type": "cloudwatch-logs", "log_format": "json",
                "log_type": "slow-log",
            }],
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        self.host = self.group.primary_endpoint_address
        self.password = pulumi.Output.secret(token.hex)
        self.url = pulumi.Output.secret(pulumi.Output.format("rediss://:{0}@{1}:{2}", token.hex, self.host, PORT))
        self.register_outputs({"host": self.host, "url": self.url})
