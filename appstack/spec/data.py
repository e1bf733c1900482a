"""Stateful parts of an app: database, cache, object storage, secrets, plus its alerts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from .base import RETENTION, AbsolutePath, Cpu, Duration, EnvName, Memory, Name, Strict
from .cron import CronExpression
from .egress import Cidr

# Extensions that only load through shared_preload_libraries.
PRELOADED_EXTENSIONS = frozenset({"pg_stat_statements", "auto_explain", "pg_cron", "timescaledb"})
ParameterValue = str | int | float | bool
# RDS: "first character must be a letter"; PostgreSQL keeps pg_ role names for itself.
SQL_NAME = r"^[a-z][a-z0-9_]{0,62}$"
EXTENSION_NAME = r"^[a-z][a-z0-9_-]{0,62}$"
PARAMETER_NAME = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"
# PostgreSQL's reserved key words (SQL key words appendix, "reserved" and "reserved (can be function or
# type)"): RDS refuses them as the master user or database name.
_RESERVED_WORDS = """
all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
unique user using variadic verbose when where window with
"""
SQL_RESERVED = frozenset(_RESERVED_WORDS.split())
# Roles and databases the platforms own: the in-cluster superuser, RDS's administrators, the template databases.
RESERVED_USERS = frozenset({"postgres", "rdsadmin", "rdsrepladmin", "rdstopmgr", "admin", "public", "none"})
RESERVED_DATABASES = frozenset({"postgres", "template0", "template1", "rdsadmin"})
# Parameters later code reads as numbers (connection alarms, Fargate and RDS sizing), or that take only
# whole numbers: a string there fails at deploy time, so it fails here.
INTEGER_PARAMETERS = frozenset({
    "max_connections", "shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem",
    "max_worker_processes", "max_parallel_workers", "max_parallel_workers_per_gather", "max_wal_senders",
    "max_replication_slots", "max_locks_per_transaction", "max_prepared_transactions", "autovacuum_max_workers",
    "autovacuum_naptime", "log_min_duration_statement", "effective_io_concurrency", "superuser_reserved_connections",
    "pg_stat_statements.max", "wal_buffers", "temp_buffers", "idle_in_transaction_session_timeout",
    "statement_timeout", "lock_timeout",
})


def quote_identifier(name: str) -> str:
    """An SQL quoted identifier ("uuid-ossp"), double quotes inside doubled: SQL is never spliced raw."""
    return '"' + name.replace('"', '""') + '"'


def _sql_name(value: str, reserved: frozenset[str], what: str) -> str | None:
    if value in reserved or value.startswith(("pg_", "rds_")):
        return f"{what} '{value}' is reserved by PostgreSQL or RDS; choose another"
    if value in SQL_RESERVED:
        return f"{what} '{value}' is an SQL reserved word; choose another"
    return None


class BackupSpec(Strict):
    schedule: CronExpression = Field("0 2 * * *", description="cron schedule, UTC", validate_default=True)
    retention_days: int = Field(7, ge=1, le=35)


# GRANT's privileges per object kind (PostgreSQL GRANT): a fixed vocabulary, never free text in SQL.
GRANT_PRIVILEGES: dict[str, frozenset[str]] = {
    "database": frozenset({"all", "connect", "create", "temporary"}),
    "schema": frozenset({"all", "usage", "create"}),
    "tables": frozenset({"all", "select", "insert", "update", "delete", "truncate", "references", "trigger"}),
    "sequences": frozenset({"all", "usage", "select", "update"}),
    "functions": frozenset({"all", "execute"}),
}
Privilege = Literal["all", "connect", "create", "temporary", "usage", "select", "insert", "update", "delete",
                    "truncate", "references", "trigger", "execute"]
# appstack: the db-bootstrap job's own bookkeeping (appstack.applied_scripts).
BOOKKEEPING_SCHEMA = "appstack"
RESERVED_SCHEMAS = frozenset({"public", "information_schema", BOOKKEEPING_SCHEMA})


class DatabaseRoleSpec(Strict):
    """A role besides the application role, e.g. a read-only reporting role (NOCREATEDB NOCREATEROLE)."""

    name: str = Field(pattern=SQL_NAME)
    login: bool = Field(False, description="LOGIN; appstack sets no password: the operator does (operations.md)")


class DatabaseSchemaSpec(Strict):
    name: str = Field(pattern=SQL_NAME)
    owner: str | None = Field(
        None, pattern=SQL_NAME, description="database.username (the application role, the default) or a declared role"
    )


class DatabaseGrantSpec(Strict):
    """GRANT privileges ON <object> TO role; on tables, sequences and functions also for the ones the
    application role creates later (ALTER DEFAULT PRIVILEGES)."""

    privileges: list[Privilege] = Field(min_length=1)
    object: Literal["database", "schema", "tables", "sequences", "functions"]
    in_schema: str | None = Field(
        None, alias="schema", pattern=SQL_NAME, description="the schema (public or a declared one); not for database"
    )
    to: str = Field(pattern=SQL_NAME, description="database.username (the application role) or a declared role")


# The scripts travel in the db-bootstrap job's command (one `sh -c` argument): an ECS task definition
# holds at most 64 KiB and Linux caps one argument at 128 KiB (MAX_ARG_STRLEN); a ConfigMap would allow 1 MiB.
# Together at most 32 KiB, escaped as JSON, leaves the task definition room for the job's own SQL and settings.
SCRIPT_MAX_BYTES = 24 * 1024
SCRIPTS_MAX_BYTES = 32 * 1024
SCRIPT_NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
# Where validation finds the directory relative paths start from (the blueprint's), and keeps what it read.
SPEC_DIR_CONTEXT = "spec_dir"
_READ_CONTEXT = "_scripts_read"


def _read_script(file: str, base: Path) -> str:
    """The script's text; ValueError (shown at the field's path) for anything but a readable UTF-8 file
    inside the blueprint's directory."""
    if Path(file).is_absolute() or "\\" in file:
        raise ValueError(f"'{file}' must be a relative path with / separators (relative to the blueprint's directory)")
    root = base.resolve()
    path = (root / file).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"'{file}' leaves the blueprint's directory ({base.name}/); keep scripts beside or below "
                         "the blueprint")
    if not path.exists():
        raise ValueError(f"'{file}' does not exist (relative to {base.name}/)")
    if not path.is_file():
        raise ValueError(f"'{file}' is not a regular file")
    size = path.stat().st_size
    if size > SCRIPT_MAX_BYTES:
        raise ValueError(f"'{file}' holds {size} bytes; a script holds at most {SCRIPT_MAX_BYTES} (it travels in the "
                         "db-bootstrap job's command): split it into several scripts")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"'{file}' is not UTF-8 text (byte {error.start})") from None
    if "\x00" in text:
        raise ValueError(f"'{file}' contains a NUL character, which PostgreSQL cannot take")
    if not text.strip():
        raise ValueError(f"'{file}' is empty")
    return text


class DatabaseScriptSpec(Strict):
    """A versioned SQL script the db-bootstrap job applies once, before the release that first declares it.

    Applied in list order, each in its own transaction, as the application role (what it creates belongs
    to that role), and recorded with its SHA-256 in appstack.applied_scripts. Append-only: a script once
    applied must never change (the job fails naming it); add a new script instead."""

    name: str = Field(pattern=SCRIPT_NAME, description="the script's name in appstack.applied_scripts; never reuse one")
    file: str = Field(min_length=1, max_length=255, description="a UTF-8 SQL file, relative to the blueprint's "
                      f"directory and inside it, at most {SCRIPT_MAX_BYTES} bytes")
    _content: str = PrivateAttr("")

    @field_validator("file")
    @classmethod
    def _readable(cls, file: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, dict) else {}
        base = context.get(SPEC_DIR_CONTEXT)
        if base is None:
            raise ValueError("scripts are read relative to the blueprint's directory: load the spec from its "
                             "blueprint (a stack or `appstack validate`)")
        context.setdefault(_READ_CONTEXT, {})[file] = _read_script(file, Path(base))
        return file

    @model_validator(mode="after")
    def _keep_content(self, info: ValidationInfo) -> DatabaseScriptSpec:
        self._content = info.context[_READ_CONTEXT][self.file]
        return self

    @property
    def content(self) -> str:
        return self._content

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self._content.encode()).hexdigest()


class DatabaseBootstrapSpec(Strict):
    """Schemas, roles and grants the platform's bootstrap creates idempotently before every release, then
    the versioned scripts it applies once each."""

    roles: list[DatabaseRoleSpec] = Field(default_factory=list)
    schemas: list[DatabaseSchemaSpec] = Field(default_factory=list)
    grants: list[DatabaseGrantSpec] = Field(default_factory=list)
    scripts: list[DatabaseScriptSpec] = Field(
        default_factory=list,
        description="SQL files applied once each, in this order, after the declarations (append-only, checksummed)",
    )

    def problems(self, username: str) -> list[str]:
        found: list[str] = []
        names = [s.name for s in self.scripts]
        for n, name in enumerate(names):
            if names.index(name) != n:
                found.append(f"bootstrap.scripts.{n}.name: '{name}' is declared twice")
        # As the task definition's JSON carries them: quotes, line breaks and non-ASCII text take more room.
        total = sum(len(json.dumps(s.content)) for s in self.scripts)
        if total > SCRIPTS_MAX_BYTES:
            found.append(f"bootstrap.scripts: the scripts take {total} bytes together once escaped as JSON; at "
                         f"most {SCRIPTS_MAX_BYTES} fit the db-bootstrap job's command (an ECS task definition "
                         "holds 64 KiB)")
        roles = [r.name for r in self.roles]
        schemas = [s.name for s in self.schemas]
        for n, role in enumerate(roles):
            if role == username or roles.index(role) != n:
                found.append(f"bootstrap.roles.{n}.name: '{role}' is declared twice (or is database.username)")
            elif problem := _sql_name(role, RESERVED_USERS, "role"):
                found.append(f"bootstrap.roles.{n}.name: {problem}")
        known_roles = {username, *roles}
        for n, schema in enumerate(self.schemas):
            if schema.name in RESERVED_SCHEMAS or schema.name.startswith("pg_") or schemas.index(schema.name) != n:
                found.append(f"bootstrap.schemas.{n}.name: '{schema.name}' is reserved or declared twice")
            elif problem := _sql_name(schema.name, RESERVED_SCHEMAS, "schema"):
                found.append(f"bootstrap.schemas.{n}.name: {problem}")
            if schema.owner is not None and schema.owner not in known_roles:
                found.append(f"bootstrap.schemas.{n}.owner: '{schema.owner}' is neither database.username "
                             "nor a declared role")
        for n, grant in enumerate(self.grants):
            allowed = GRANT_PRIVILEGES[grant.object]
            wrong = sorted(set(grant.privileges) - allowed)
            if wrong:
                found.append(f"bootstrap.grants.{n}.privileges: {', '.join(wrong)} cannot be granted on "
                             f"{grant.object}; allowed: {', '.join(sorted(allowed))}")
            elif "all" in grant.privileges and len(grant.privileges) > 1 or len(set(grant.privileges)) != len(
                    grant.privileges):
                found.append(f"bootstrap.grants.{n}.privileges: list each privilege once, and 'all' alone")
            if grant.to not in known_roles:
                found.append(f"bootstrap.grants.{n}.to: '{grant.to}' is neither database.username nor a declared role")
            if (grant.object == "database") != (grant.in_schema is None):
                found.append(f"bootstrap.grants.{n}.schema: required for {grant.object}" if grant.object != "database"
                             else f"bootstrap.grants.{n}.schema: a database grant names no schema")
            elif grant.in_schema is not None and grant.in_schema not in {"public", *schemas}:
                found.append(f"bootstrap.grants.{n}.schema: '{grant.in_schema}' is neither public "
                             "nor a declared schema")
        return found


def _check_upgrade(upgrade_from: str | None, version: str) -> None:
    """A stated major upgrade goes up: from an older major to the version's."""
    major = version.split(".")[0]
    if upgrade_from is not None and int(upgrade_from) >= int(major):
        raise ValueError(f"upgrade_from ({upgrade_from}) must be an older major version than version ({version}); "
                         "a major version cannot be downgraded in place, and an unchanged one needs no upgrade_from")


class PostgresSpec(Strict):
    engine: Literal["postgres"]
    version: str = Field(pattern=r"^(1[3-9])(\.\d+)?$", description="major version 13-19, optionally .minor")
    database: str = Field(pattern=SQL_NAME)
    username: str = Field("app", pattern=SQL_NAME)
    cpu: Cpu = "1"
    memory: Memory = "2Gi"
    instance_class: str | None = Field(
        None, pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="AWS class; default derived from cpu and memory"
    )
    storage_gb: int = Field(20, ge=20, le=65536)
    max_storage_gb: int | None = Field(100, ge=20, le=65536, description="storage autoscaling ceiling")
    storage_type: Literal["gp2", "gp3", "io1", "io2"] = Field(
        "gp3", description="AWS only: the RDS storage type; Kubernetes maps it (and iops, storage_throughput) to "
        "nothing and warns: appstack:kubernetes.storage_class decides the volume"
    )
    iops: int | None = Field(
        None, ge=1, le=256000,
        description="AWS only: provisioned IOPS (io1/io2: required; gp3: from 400 GiB, with storage_throughput)",
    )
    storage_throughput: int | None = Field(
        None, ge=1, le=4000, description="AWS only: gp3 throughput in MiB/s, from 400 GiB, with iops"
    )
    extensions: list[Annotated[str, Field(pattern=EXTENSION_NAME)]] = Field(default_factory=list)
    parameters: dict[Annotated[str, Field(pattern=PARAMETER_NAME, max_length=63)], ParameterValue] = Field(
        default_factory=dict, description="postgresql.conf settings, numbers in each parameter's base unit"
    )
    backup: BackupSpec | None = Field(None, description="defaults to the stack tier's backup policy")
    bootstrap: DatabaseBootstrapSpec = Field(
        default_factory=DatabaseBootstrapSpec,
        description="schemas, roles and grants created before each release (idempotent)",
    )
    upgrade_from: str | None = Field(
        None, pattern=r"^1[3-9]$",
        description="the major version the running database has: states a major upgrade to `version` "
        "(RDS: snapshot, then in place; CloudNativePG: backup, then pg_upgrade; refused in-cluster)",
    )

    @model_validator(mode="after")
    def _coherent(self) -> PostgresSpec:
        _check_upgrade(self.upgrade_from, self.version)
        for problem in (_sql_name(self.username, RESERVED_USERS, "username"),
                        _sql_name(self.database, RESERVED_DATABASES, "database")):
            if problem:
                raise ValueError(problem)
        for name, value in sorted(self.parameters.items()):
            if isinstance(value, str) and any(c in value for c in "\n\r\x00'\\"):
                raise ValueError(f"parameters.{name}: quotes, backslashes and line breaks are not allowed")
            if name in INTEGER_PARAMETERS and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"parameters.{name} takes a whole number in its base unit (got {value!r})")
        if problems := self.bootstrap.problems(self.username):
            raise ValueError("; ".join(problems))
        if len(set(self.extensions)) != len(self.extensions):
            raise ValueError("extensions lists an extension twice")
        if self.max_storage_gb is not None and self.max_storage_gb < self.storage_gb:
            raise ValueError(f"max_storage_gb ({self.max_storage_gb}) must be at least storage_gb ({self.storage_gb})")
        preload = {lib.strip() for lib in str(self.parameters.get("shared_preload_libraries", "")).split(",")}
        missing = sorted(ext for ext in self.extensions if ext in PRELOADED_EXTENSIONS and ext not in preload)
        if missing:
            raise ValueError(
                f"extensions {', '.join(missing)} need parameters.shared_preload_libraries to include them"
            )
        return self

    @property
    def major_version(self) -> str:
        return self.version.split(".")[0]


class SqliteSpec(Strict):
    """SQLite in a file on one service's persistent volume; that service runs exactly one replica."""

    engine: Literal["sqlite"]
    service: Name
    path: AbsolutePath = Field(description="the database file, inside one of the service's volumes")
    backup: BackupSpec = BackupSpec()


class ExternalDatabaseSpec(Strict):
    engine: Literal["external"]
    url_secret: EnvName = Field(description="name of a provided secret holding the connection URL")
    port: int = Field(5432, ge=1, le=65535, description="the server's port: workloads may connect to it")
    cidrs: list[Cidr] = Field(
        default_factory=lambda: ["0.0.0.0/0", "::/0"], description="where the server is (narrow it if you can)"
    )


DatabaseSpec = Annotated[PostgresSpec | SqliteSpec | ExternalDatabaseSpec, Field(discriminator="engine")]


def _timeout(value: int) -> int:
    # ElastiCache takes 0 (never) or 20 and more; the same bound everywhere keeps a blueprint valid on both.
    if 0 < value < 20:
        raise ValueError("0 (never close idle clients) or at least 20 seconds (ElastiCache refuses 1-19)")
    return value


INT_MAX = 2_147_483_647


class RedisDirectives(Strict):
    """redis.conf directives beyond size, policy and persistence, from a known list. Kubernetes writes them
    into redis.conf; AWS sets the ElastiCache parameters of the same names (ELASTICACHE_FIXED: refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)  # 1, never true/"1"

    timeout: Annotated[int, Field(ge=0, le=INT_MAX), AfterValidator(_timeout)] | None = Field(
        None, description="seconds before an idle client is closed; 0: never, else at least 20")
    tcp_keepalive: int | None = Field(
        None, alias="tcp-keepalive", ge=0, le=INT_MAX, description="seconds between TCP keepalives to clients; 0: off")
    maxclients: int | None = Field(
        None, ge=1, le=65000, description="most clients connected at once (Kubernetes only: ElastiCache fixes 65000)")
    maxmemory_samples: int | None = Field(
        None, alias="maxmemory-samples", ge=1, le=64, description="keys sampled per eviction (LRU/LFU/TTL precision)")
    slowlog_log_slower_than: int | None = Field(
        None, alias="slowlog-log-slower-than", ge=0, le=INT_MAX,
        description="microseconds after which a command enters the slow log; 0: every command")
    slowlog_max_len: int | None = Field(
        None, alias="slowlog-max-len", ge=0, le=INT_MAX, description="entries the slow log keeps")

    def lines(self) -> dict[str, str]:
        """The set directives by their redis.conf names, in name order."""
        return {k: str(v) for k, v in sorted(self.model_dump(by_alias=True, exclude_none=True).items())}


# Directives ElastiCache does not let a parameter group modify: a config error on AWS stacks.
ELASTICACHE_FIXED = {"maxclients": "ElastiCache fixes maxclients at 65000 (the parameter is not modifiable)"}


class RedisSpec(Strict):
    engine: Literal["redis"]
    version: Literal["6", "6.0", "6.2", "7", "7.0", "7.1"] = Field(
        "7.1", description="6 means 6.2 and 7 means 7.1 (the versions ElastiCache and the images offer)"
    )
    maxmemory_mb: int | None = Field(None, ge=16, le=1_048_576)
    maxmemory_policy: Literal[
        "noeviction",
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] = "noeviction"
    persistence: Literal["aof", "rdb", "none"] = "aof"
    node_type: str | None = Field(None, pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", description="AWS node type")
    upgrade_from: str | None = Field(
        None, pattern=r"^[67]$",
        description="the major version the running cache has: states a major upgrade to `version`",
    )
    directives: RedisDirectives = Field(
        default_factory=RedisDirectives,
        description="further redis.conf directives from a known list, e.g. {timeout: 300, tcp-keepalive: 300}",
    )

    @model_validator(mode="after")
    def _coherent(self) -> RedisSpec:
        _check_upgrade(self.upgrade_from, self.version)
        return self

    @property
    def major_version(self) -> str:
        return self.version.split(".")[0]


class ExternalCacheSpec(Strict):
    engine: Literal["external"]
    url_secret: EnvName = Field(description="name of a provided secret holding the redis:// or rediss:// URL")
    port: int = Field(6379, ge=1, le=65535, description="the server's port: workloads may connect to it")
    cidrs: list[Cidr] = Field(
        default_factory=lambda: ["0.0.0.0/0", "::/0"], description="where the server is (narrow it if you can)"
    )


CacheSpec = Annotated[RedisSpec | ExternalCacheSpec, Field(discriminator="engine")]


class CorsRule(Strict):
    allowed_origins: list[str] = Field(min_length=1)
    allowed_methods: list[Literal["GET", "PUT", "POST", "DELETE", "HEAD"]] = Field(min_length=1)
    allowed_headers: list[str] = Field(default_factory=lambda: ["*"])
    expose_headers: list[str] = Field(default_factory=list)
    max_age_seconds: int = Field(3000, ge=0, le=86400)


class BucketSpec(Strict):
    purpose: str = Field(min_length=1)
    renamed_from: Name | None = Field(
        None, description="the name it had: the bucket keeps that name, so a rename replaces nothing"
    )
    access: Literal["private", "cdn"] = Field("private", description="cdn: served read-only through a CDN")
    cors: list[CorsRule] = Field(default_factory=list)
    noncurrent_version_expiry_days: int = Field(30, ge=1, le=3650)


class SecretSpec(Strict):
    """A secret is either provided by the operator (pulumi config set --secret) or generated."""

    source: Literal["provided", "generated"]
    description: str = ""
    required: bool = Field(True, description="provided only: an optional secret may stay unset")
    length: int = Field(48, ge=16, le=4096, description="generated only")
    charset: Literal["alphanumeric", "hex", "urlsafe"] = Field("alphanumeric", description="generated only")
    min_length: int | None = Field(None, ge=1, le=4096)

    @model_validator(mode="after")
    def _coherent(self) -> SecretSpec:
        if self.source == "generated":
            if self.min_length is not None and self.length < self.min_length:
                raise ValueError(f"length ({self.length}) is shorter than min_length ({self.min_length})")
            if not self.required:
                raise ValueError("required: false only applies to provided secrets")
            if self.charset == "hex" and self.length % 2:
                raise ValueError(f"a hex secret has an even length (got {self.length})")
        elif {"length", "charset"} & self.model_fields_set:
            raise ValueError("length and charset only apply to generated secrets")
        return self


# Prometheus duration units that are whole days (y = 365d, w = 7d): AMP keeps whole days only.
_RETENTION_DAYS = {"d": 1, "w": 7, "y": 365}
RETENTION_MAX_DAYS = 1095  # Amazon Managed Service for Prometheus: at most 1095 days (three years)


def _retention_days(value: str) -> str:
    days = int(value[:-1]) * _RETENTION_DAYS[value[-1]]
    if not 1 <= days <= RETENTION_MAX_DAYS:
        raise ValueError(f"must be 1 to {RETENTION_MAX_DAYS} days (got {value} = {days} days)")
    return value


def retention_days(value: str) -> int:
    return int(value[:-1]) * _RETENTION_DAYS[value[-1]]


MetricsRetention = Annotated[
    str, Field(pattern=RETENTION, description="a Prometheus duration in days, weeks or years: 30d"),
    AfterValidator(_retention_days),
]


class AlertSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    expr: str = Field(min_length=1, description="PromQL expression")
    for_: Duration = Field("5m", alias="for")
    severity: Literal["info", "warning", "critical"] = "warning"
    summary: str = Field(min_length=1)
    description: str = ""


__all__ = [
    "AlertSpec",
    "BackupSpec",
    "BucketSpec",
    "CacheSpec",
    "CorsRule",
    "DatabaseBootstrapSpec",
    "DatabaseGrantSpec",
    "DatabaseRoleSpec",
    "DatabaseSchemaSpec",
    "DatabaseScriptSpec",
    "DatabaseSpec",
    "ExternalCacheSpec",
    "ExternalDatabaseSpec",
    "PostgresSpec",
    "RedisSpec",
    "SecretSpec",
    "SqliteSpec",
    "PRELOADED_EXTENSIONS",
    "quote_identifier",
]
