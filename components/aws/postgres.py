"""RDS for PostgreSQL for one app: subnet group, parameter group, log groups and the instance.

Two roles, two generated passwords (Pulumi secrets):
- the master user (spec.username, a member of rds_superuser; renaming it would replace the instance) is
  used only by the compute layer's `db-bootstrap` release job, through the master URL the data layer
  stores for it (AppDataRefs.database_admin_url_secret_arn);
- the application role (`app_role_name`: `<username>_app`), which the bootstrap job creates and makes
  owner of the database, is what every service, worker and migration connects as.
The job receives the application password only as a SCRAM-SHA-256 verifier (appstack.scram), so the
plaintext never reaches it, its command line or a server log.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from appstack.scram import scram_verifier
from appstack.spec import PostgresSpec, cpu_millicores, memory_mib

from .common import child, physical_name

PORT = 5432
LOG_EXPORTS = ("postgresql", "upgrade")

# (class, vCPUs, memory MiB), smallest first. Burstable (Graviton T4g) up to 2 vCPU / 8 GiB, then M7g.
INSTANCE_CLASSES = [
    ("db.t4g.micro", 2, 1024), ("db.t4g.small", 2, 2048), ("db.t4g.medium", 2, 4096), ("db.t4g.large", 2, 8192),
    ("db.m7g.xlarge", 4, 16384), ("db.m7g.2xlarge", 8, 32768), ("db.m7g.4xlarge", 16, 65536),
    ("db.m7g.8xlarge", 32, 131072), ("db.m7g.12xlarge", 48, 196608), ("db.m7g.16xlarge", 64, 262144),
]

# Parameters of the postmaster context: RDS only accepts them with apply_method pending-reboot.
STATIC_PARAMETERS = frozenset({
    "shared_preload_libraries", "max_connections", "shared_buffers", "max_worker_processes", "max_wal_senders",
    "max_replication_slots", "max_locks_per_transaction", "max_pred_locks_per_transaction",
    "max_prepared_transactions", "autovacuum_max_workers", "autovacuum_freeze_max_age",
    "autovacuum_multixact_freeze_max_age", "track_activity_query_size", "track_commit_timestamp", "wal_buffers",
    "huge_pages", "max_files_per_process", "superuser_reserved_connections", "max_logical_replication_workers",
    "rds.logical_replication", "pg_stat_statements.max", "cron.database_name", "old_snapshot_threshold",
})


# RDS's RSA 2048 / SHA-256 CA (automatic server certificate rotation); the global bundle carries it.
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
APP_ROLE_SUFFIX = "_app"


def app_role_name(username: str) -> str:
    """The application role: `<username>_app`, within PostgreSQL's 63-character identifiers (a longer
    name keeps a hash of the full one, so two long usernames never share a role)."""
    if len(username) + len(APP_ROLE_SUFFIX) <= 63:
        return username + APP_ROLE_SUFFIX
    digest = hashlib.sha256(username.encode()).hexdigest()[:8]
    return f"{username[:50]}_{digest}{APP_ROLE_SUFFIX}"


def instance_class(spec: PostgresSpec, high_availability: bool) -> str:
    """spec.instance_class, else the smallest class with the spec's vCPUs and memory. Dev stays burstable:
    it keeps the spec's memory (memory-sized parameters such as shared_buffers must fit) but not its CPUs."""
    if spec.instance_class:
        return spec.instance_class
    vcpus, memory = cpu_millicores(spec.cpu) / 1000, memory_mib(spec.memory)
    candidates = INSTANCE_CLASSES if high_availability else [c for c in INSTANCE_CLASSES if c[0].startswith("db.t")]
    for name, class_vcpus, class_memory in candidates:
        if class_memory >= memory and (class_vcpus >= vcpus or not high_availability):
            return name
    return candidates[-1][0]


def _value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def parameters(spec: PostgresSpec) -> list[dict[str, str]]:
    """The spec's parameters (in PostgreSQL base units, which RDS takes as is) plus rds.force_ssl=1."""
    values = {**{k: _value(v) for k, v in spec.parameters.items()}, "rds.force_ssl": "1"}
    return [
        {"name": k, "value": v, "apply_method": "pending-reboot" if k in STATIC_PARAMETERS else "immediate"}
        for k, v in sorted(values.items())
    ]


def windows(schedule: str | None) -> tuple[str, str]:
    """(backup window, maintenance window) in UTC: the backup starts at the spec's cron time (03:00 by
    default) for 30 minutes; maintenance follows two hours later on Sunday, so the two never overlap."""
    hour, minute = 3, 0
    if schedule:
        fields = schedule.split()
        if fields[0].isdigit() and fields[1].isdigit():
            minute, hour = int(fields[0]) % 60, int(fields[1]) % 24
    start = hour * 60 + minute
    backup = f"{_hhmm(start)}-{_hhmm(start + 30)}"
    maintenance_start = start + 120
    maintenance = f"{_day(maintenance_start)}:{_hhmm(maintenance_start)}-{_day(maintenance_start + 60)}:" \
                  f"{_hhmm(maintenance_start + 60)}"
    return backup, maintenance


def _hhmm(minutes: int) -> str:
    return f"{(minutes // 60) % 24:02d}:{minutes % 60:02d}"


def _day(minutes: int) -> str:
    return "sun" if minutes < 24 * 60 else "mon"


@dataclass(frozen=True)
class PostgresArgs:
    app: str
    stack: str
    spec: PostgresSpec
    subnet_ids: list[pulumi.Output[str]]  # isolated subnets
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    high_availability: bool
    protect: bool
    backup_retention_days: int
    log_retention_days: int
    tags: dict[str, str]
    # Where the app images hold the RDS CA bundle: their URLs then verify the server (verify-full).
    ssl_root_cert: str | None = None


class PostgresDatabase(pulumi.ComponentResource):
    host: pulumi.Output[str]
    app_user: str  # the application role
    password: pulumi.Output[str]  # secret: the application role's password
    url: pulumi.Output[str]  # secret: postgresql://<app role>:password@host:5432/db?sslmode=require|verify-full
    app_password_verifier: pulumi.Output[str]  # secret: SCRAM-SHA-256 verifier of `password`
    admin_url: pulumi.Output[str]  # secret: the master user's URL, for the db-bootstrap job only

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Postgres", name, None, opts)
        spec, ha = args.spec, args.high_availability
        identifier = physical_name(args.stack, args.app)  # stable: log groups below are named after it
        subnets = aws.rds.SubnetGroup(name, subnet_ids=args.subnet_ids, description=f"{args.app}: isolated subnets",
                                      tags=args.tags, opts=child(self))
        params = aws.rds.ParameterGroup(
            name, family=f"postgres{spec.major_version}", description=f"{args.app}: PostgreSQL {spec.major_version}",
            parameters=parameters(spec), tags=args.tags, opts=child(self),
        )
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-{kind}", name=f"/aws/rds/instance/{identifier}/{kind}", kms_key_id=args.kms_key_arn,
                retention_in_days=args.log_retention_days, tags=args.tags, opts=child(self),
            )
            for kind in LOG_EXPORTS
        ]
        # 32 random bytes as 64 hex digits: URL-safe and within RDS's password rules; secret in state.
        master = random.RandomBytes(f"{name}-master-password", length=32, opts=child(self, protect=args.protect))
        # The application role's password and the salt of its verifier; both stable until replaced.
        app_password = random.RandomBytes(f"{name}-app-password", length=32, opts=child(self, protect=args.protect))
        salt = random.RandomBytes(f"{name}-app-password-salt", length=16, opts=child(self, protect=args.protect))
        backup_window, maintenance_window = windows(spec.backup.schedule if spec.backup else None)
        upgrade = spec.upgrade_from is not None
        before_upgrade = [self._pre_upgrade_snapshot(name, identifier, spec)] if upgrade else []
        self.instance = aws.rds.Instance(
            name,
            identifier=identifier,
            engine="postgres",
            engine_version=spec.version,
            auto_minor_version_upgrade=True,
            # RDS refuses a new major unless allowed; only a stated upgrade allows it.
            allow_major_version_upgrade=upgrade,
            instance_class=instance_class(spec, ha),
            db_name=spec.database,
            username=spec.username,
            password=master.hex,
            port=PORT,
            iam_database_authentication_enabled=True,
            ca_cert_identifier=CA_CERTIFICATE,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[args.security_group_id],
            publicly_accessible=False,
            parameter_group_name=params.name,
            storage_type=spec.storage_type,
            iops=spec.iops,
            storage_throughput=spec.storage_throughput,
            allocated_storage=spec.storage_gb,
            max_allocated_storage=spec.max_storage_gb,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            multi_az=ha,
            deletion_protection=args.protect,
            backup_retention_period=args.backup_retention_days,
            backup_window=backup_window,
            maintenance_window=maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not args.protect,
            skip_final_snapshot=not args.protect,
            final_snapshot_identifier=f"{identifier}-final" if args.protect else None,
            apply_immediately=upgrade or not ha,  # a stated upgrade runs now, right after its snapshot
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=7,
            tags=args.tags,
            opts=child(self, protect=args.protect, depends_on=[*log_groups, *before_upgrade]),
        )
        self.host = self.instance.address
        self.app_user = app_role_name(spec.username)
        self.password = pulumi.Output.secret(app_password.hex)
        tls = f"sslmode=verify-full&sslrootcert={args.ssl_root_cert}" if args.ssl_root_cert else "sslmode=require"
        self.url = _url(self.app_user, app_password.hex, self.host, spec.database, tls)
        # The bootstrap job's image (official postgres) carries no RDS CA bundle: encrypted, not verified.
        self.admin_url = _url(spec.username, master.hex, self.host, spec.database, "sslmode=require")
        self.app_password_verifier = pulumi.Output.secret(pulumi.Output.all(app_password.hex, salt.base64).apply(
            lambda v: scram_verifier(v[0], base64.b64decode(v[1]))
        ))
        self.register_outputs({"host": self.host, "url": self.url})

    def _pre_upgrade_snapshot(self, name: str, identifier: str, spec: PostgresSpec) -> aws.rds.Snapshot:
        """A manual snapshot of the running (old major) instance, taken before the upgrade modifies it.

        Kept when `upgrade_from` is removed later (retain_on_delete): it is the way back.
        """
        return aws.rds.Snapshot(
            f"{name}-pre-upgrade-{spec.major_version}",
            db_instance_identifier=identifier,
            db_snapshot_identifier=f"{identifier}-pre-{spec.upgrade_from}-to-{spec.major_version}",
            opts=child(self, retain_on_delete=True),
        )


def _url(user: str, password: pulumi.Input[str], host: pulumi.Input[str], database: str,
         tls: str) -> pulumi.Output[str]:
    return pulumi.Output.secret(pulumi.Output.format(
        "postgresql://{0}:{1}@{2}:{3}/{4}?{5}", user, password, host, PORT, database, tls,
    ))
