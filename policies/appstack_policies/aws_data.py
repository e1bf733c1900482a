"""Data stores: RDS instances and parameter groups, ElastiCache Redis."""

from __future__ import annotations

from collections.abc import Iterator

from .model import ADVISORY, MANDATORY, TIER_SETTING, Resource, RuleContext, RuleSet
from .values import as_int, is_opaque, items_of, must_be_true_but_is_not

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"  # Aurora and Multi-AZ DB clusters
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
REDIS_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"

# Where the data and its backups live: the instance, or the cluster for Aurora.
RDS_STORAGE = [RDS_INSTANCE, RDS_CLUSTER]
REDIS_TYPES = [REDIS_GROUP, CACHE_CLUSTER]

rules = RuleSet()


@rules.resource(
    "rds-not-publicly-accessible",
    MANDATORY,
    [RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE],
    "RDS instances, Aurora/Multi-AZ clusters and cluster instances must not be publicly accessible.",
    "Set publiclyAccessible to false and reach the database from inside the VPC.",
)
def rds_not_publicly_accessible(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A public endpoint exposes the database to internet-wide password guessing and engine exploits."""
    if r.get("publiclyAccessible") is True:
        yield "publiclyAccessible is true: the instance gets a public endpoint."


@rules.resource(
    "rds-storage-encrypted",
    MANDATORY,
    RDS_STORAGE,
    "RDS storage (instances and Aurora/Multi-AZ clusters) must be encrypted at rest.",
    "Set storageEncrypted to true (optionally with a customer-managed kmsKeyId).",
)
def rds_storage_encrypted(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Unencrypted volumes and snapshots leak data through copies and shares; encryption cannot be added
    later without a restore.
    """
    # Encryption cannot be turned on after creation, so absent (= false) is a finding.
    if must_be_true_but_is_not(r.get("storageEncrypted")):
        yield "storageEncrypted is not true."


@rules.resource(
    "rds-backup-retention",
    MANDATORY,
    RDS_STORAGE,
    "RDS automated backups (instances and clusters) must be kept for at least the configured number of days.",
    "Set backupRetentionPeriod to at least the configured minimumDays.",
    settings={"minimumDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 7}},
)
def rds_backup_retention(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Point-in-time recovery only reaches back as far as the retained backups."""
    raw = r.get("backupRetentionPeriod")
    if is_opaque(raw):
        return
    days, minimum = as_int(raw) or 0, int(ctx["minimumDays"])
    if days < minimum:
        yield f"backupRetentionPeriod is {days} day(s); at least {minimum} required."


@rules.resource(
    "rds-deletion-protection-prod",
    MANDATORY,
    RDS_STORAGE,
    "RDS instances and clusters in prod must have deletion protection.",
    "Set deletionProtection to true on prod databases.",
    settings=TIER_SETTING,
)
def rds_deletion_protection_prod(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A replacement or a mistaken destroy must not drop the production database."""
    if ctx.is_prod and must_be_true_but_is_not(r.get("deletionProtection")):
        yield "deletionProtection is not true on a prod database."


@rules.resource(
    "rds-multi-az",
    ADVISORY,
    [RDS_INSTANCE],
    "RDS instances should run Multi-AZ.",
    "Set multiAz to true so a standby takes over when an availability zone fails.",
)
def rds_multi_az(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A single-AZ database is down for the whole outage of its zone and during some maintenance."""
    if must_be_true_but_is_not(r.get("multiAz")):
        yield "multiAz is not true."


@rules.resource(
    "rds-iam-authentication",
    ADVISORY,
    [RDS_INSTANCE],
    "RDS instances should enable IAM database authentication.",
    "Set iamDatabaseAuthenticationEnabled to true and use short-lived IAM tokens.",
)
def rds_iam_authentication(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """IAM tokens expire in minutes and are audited, unlike a long-lived password."""
    if must_be_true_but_is_not(r.get("iamDatabaseAuthenticationEnabled")):
        yield "iamDatabaseAuthenticationEnabled is not true."


@rules.resource(
    "rds-log-exports",
    ADVISORY,
    [RDS_INSTANCE],
    "RDS instances should export their logs to CloudWatch.",
    "List the engine's logs (e.g. postgresql, upgrade) in enabledCloudwatchLogsExports.",
)
def rds_log_exports(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without exported logs, failed logins and errors vanish with the instance."""
    exports = r.get("enabledCloudwatchLogsExports")
    if not is_opaque(exports) and not items_of(exports):
        yield "enabledCloudwatchLogsExports is empty."


@rules.resource(
    "rds-auto-minor-upgrade",
    ADVISORY,
    [RDS_INSTANCE],
    "RDS instances should apply minor engine upgrades automatically.",
    "Leave autoMinorVersionUpgrade unset or set it to true.",
)
def rds_auto_minor_upgrade(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Minor versions carry security fixes; applying them in the maintenance window keeps the engine
    patched.
    """
    if r.get("autoMinorVersionUpgrade") is False:  # the provider default is true
        yield "autoMinorVersionUpgrade is false."


@rules.resource(
    "rds-force-ssl",
    ADVISORY,
    [RDS_INSTANCE, RDS_PARAMETER_GROUP],
    "PostgreSQL on RDS should refuse unencrypted connections (rds.force_ssl=1).",
    "Attach a parameter group whose parameters set rds.force_ssl to 1.",
)
def rds_force_ssl(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without rds.force_ssl a misconfigured client silently sends credentials and data in cleartext."""
    if r.type == RDS_INSTANCE:
        # Default parameter groups of older engines accept plaintext connections.
        engine = r.get("engine")
        if isinstance(engine, str) and engine.startswith("postgres") and r.get("parameterGroupName") is None:
            yield "the instance uses the engine's default parameter group, which does not force SSL."
        return
    family = r.get("family")
    if not isinstance(family, str) or not family.startswith("postgres"):
        return
    parameters = r.get("parameters")
    if is_opaque(parameters):
        return
    values = {p.get("name"): p.get("value") for p in items_of(parameters) if isinstance(p, dict)}
    value = values.get("rds.force_ssl")
    if not is_opaque(value) and as_int(value) != 1:  # "1" in the API, 1.0 through protobuf
        yield "parameter rds.force_ssl is not set to 1."


def _standalone_redis(r: Resource) -> bool:
    """A cache cluster outside any replication group running Redis or Valkey (a member inherits the group's
    settings; Memcached has neither AUTH nor at-rest encryption to ask for)."""
    engine = r.get("engine")
    group = r.get("replicationGroupId")
    return group is None and isinstance(engine, str) and engine.lower() in ("redis", "valkey")


@rules.resource(
    "redis-encrypted-at-rest",
    MANDATORY,
    REDIS_TYPES,
    "Redis replication groups must encrypt data at rest (a standalone Redis cache cluster cannot).",
    "Set atRestEncryptionEnabled to true.",
)
def redis_encrypted_at_rest(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Cache nodes and their snapshots often hold sessions and tokens."""
    if r.type == CACHE_CLUSTER:
        if _standalone_redis(r):
            yield "a standalone Redis cache cluster cannot encrypt at rest: use a replication group."
        return
    if must_be_true_but_is_not(r.get("atRestEncryptionEnabled")):
        yield "atRestEncryptionEnabled is not true."


@rules.resource(
    "redis-encrypted-in-transit",
    MANDATORY,
    REDIS_TYPES,
    "ElastiCache replication groups and standalone cache clusters must encrypt traffic in transit.",
    "Set transitEncryptionEnabled to true (and connect clients with TLS).",
)
def redis_encrypted_in_transit(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Redis speaks a plaintext protocol: anyone on the path can read or inject commands."""
    if r.type == CACHE_CLUSTER and r.get("replicationGroupId") is not None:
        return  # a member cluster inherits the group's setting
    if must_be_true_but_is_not(r.get("transitEncryptionEnabled")):
        yield "transitEncryptionEnabled is not true."


@rules.resource(
    "redis-auth-token",
    MANDATORY,
    REDIS_TYPES,
    "Redis replication groups must require authentication (a standalone Redis cache cluster cannot).",
    "Set authToken from a generated secret (or attach RBAC userGroupIds).",
)
def redis_auth_token(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without AUTH any workload that reaches the port can read and flush the cache."""
    if r.type == CACHE_CLUSTER:
        if _standalone_redis(r):
            yield "a standalone Redis cache cluster cannot require AUTH: use a replication group with authToken."
        return
    token, user_groups = r.get("authToken"), r.get("userGroupIds")
    if is_opaque(token) or is_opaque(user_groups) or is_opaque(r.get("authTokenWo")):
        return
    if not token and not r.get("authTokenWo") and not items_of(user_groups):
        yield "neither authToken nor userGroupIds is set: any client in the network can connect."


@rules.resource(
    "redis-automatic-failover",
    ADVISORY,
    [REDIS_GROUP],
    "Redis replication groups should fail over automatically.",
    "Set automaticFailoverEnabled to true with at least one replica.",
)
def redis_automatic_failover(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without failover the loss of the primary node takes the cache down until manual action."""
    if must_be_true_but_is_not(r.get("automaticFailoverEnabled")):
        yield "automaticFailoverEnabled is not true."
