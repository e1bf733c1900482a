"""A stack's configuration: the environment it is, the platform it targets and the apps it runs.

Stack config lives in Pulumi.<stack>.yaml under the `appstack:` namespace. Each app named under
`appstack:apps` is its blueprint (<project>/apps/<name>.yaml, see appstack.project) deep-merged with the
stack's overrides, then validated as one AppSpec. Every problem of the whole stack is reported at once.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import images
from .environment import EnvironmentLink, EnvironmentLoader, EnvironmentSettings, Mode, link_environment, mode_problems
from .errors import ConfigError, Problem, join_path, problems_from_validation, shorten
from .overrides import ResourceOverride, TransformRef
from .spec import AppSpec, RedisSpec, check_app
from .spec.base import DNS_LABEL_63, Hostname, KubernetesName, Name, Strict
from .spec.cron import CronExpression
from .spec.data import ELASTICACHE_FIXED, SPEC_DIR_CONTEXT
from .spec.egress import Cidr
from .spec.renames import deployed_document
from .yamlfile import load_mapping

CONFIG_NAMESPACE = "appstack"
# Project-wide keys read by appstack.project rather than by the stack model.
PROJECT_KEYS = ("blueprints",)

Tier = Literal["dev", "prod"]


@dataclass(frozen=True)
class TierDefaults:
    """Every default that differs between a development and a production environment, in one place."""

    high_availability: bool  # Multi-AZ databases, replicas with failover, NAT per AZ
    protect_stateful: bool  # `protect` and deletion protection on data stores, keys and secrets
    backup_retention_days: int
    log_retention_days: int
    availability_zones: int
    secret_recovery_window_days: int
    managed_prometheus: bool  # AWS: the spec's PromQL alerts through Amazon Managed Service for Prometheus


TIER_DEFAULTS: dict[str, TierDefaults] = {
    "dev": TierDefaults(False, False, 1, 14, 2, 0, False),
    "prod": TierDefaults(True, True, 7, 90, 3, 30, True),
}


_IMAGE = r"^[a-z0-9]+([._/:@-][a-zA-Z0-9]+)*$"


def _http_url(value: str) -> str:
    """An http(s) URL whose host and port parse (NetworkPolicies and env values are built from them)."""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError as error:
        raise ValueError(f"'{shorten(value)}' is not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0 or re.search(r"\s", value):
        raise ValueError(f"'{shorten(value)}' is not an http(s) URL such as https://s3.us-east-1.amazonaws.com")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
PostgresMode = Literal["in-cluster", "operator"]


class KubernetesPostgresSettings(Strict):
    """How an app's `engine: postgres` database runs on the cluster (external databases are per app spec)."""

    mode: PostgresMode = Field(
        "in-cluster",
        description="in-cluster: a StatefulSet with the official image; operator: a CloudNativePG Cluster",
    )
    apps: dict[Name, PostgresMode] = Field(default_factory=dict, description="per-app override of mode")
    image: str | None = Field(
        None,
        pattern=_IMAGE,
        description="in-cluster image override (pinned); default: the official image of the spec's major",
    )
    instances: int | None = Field(
        None, ge=1, le=9, description="operator mode: instances; default 3 in prod, 1 in dev"
    )

    def mode_for(self, app: str) -> PostgresMode:
        return self.apps.get(app, self.mode)


class KubernetesBackupSettings(Strict):
    """Backups of in-cluster PostgreSQL (pg_dump) and of SQLite files (sqlite3 .backup)."""

    enabled: bool = True
    schedule: CronExpression | None = Field(
        None, description="cron (UTC) overriding the spec's; default: the spec's, else 0 3 * * *",
    )
    target: Literal["pvc", "s3"] = Field(
        "pvc", description="pvc: a backup volume in the app namespace; s3: the object_storage endpoint"
    )
    volume_size_gb: int = Field(20, ge=1, le=16384, description="size of each backup volume (target pvc)")
    bucket: str | None = Field(
        None, description="target s3: bucket for dumps; default <bucket_prefix><namespace>-backups"
    )
    sqlite_image: str = Field(
        images.SQLITE_BACKUP.reference, pattern=_IMAGE,
        description="pinned image with python3 (SQLite online backup through its sqlite3 module)",
    )
    s3_image: str = Field(
        images.S3_UPLOAD.reference, pattern=_IMAGE, description="pinned AWS CLI image uploading dumps (s3)"
    )


IdentityProvider = Literal["eks-irsa", "eks-pod-identity", "gke"]
_IAM_ROLE = r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"
_GCP_SA = r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$"
_IDENTITY_PLACEHOLDERS = ("{app}", "{namespace}")


class WorkloadIdentitySettings(Strict):
    """Cloud identities for object storage, one per app and one per app's backups: no static key anywhere.

    `app_role` and `backup_role` are templates with {app} and/or {namespace}: an IAM role ARN for
    eks-irsa / eks-pod-identity, a Google service account email for gke.
    """

    provider: IdentityProvider = Field(
        description="eks-irsa: eks.amazonaws.com/role-arn on the ServiceAccount; eks-pod-identity: you create "
        "the associations for the listed ServiceAccounts; gke: iam.gke.io/gcp-service-account"
    )
    app_role: str = Field(description="identity of the workloads that bind the app's buckets, e.g. "
                                      "arn:aws:iam::123456789012:role/prod-{app}-storage")
    backup_role: str = Field(description="identity of the app's backups (pg_dump/SQLite jobs, CloudNativePG)")

    @model_validator(mode="after")
    def _per_app_and_well_formed(self) -> WorkloadIdentitySettings:
        pattern = _GCP_SA if self.provider == "gke" else _IAM_ROLE
        kind = "a Google service account email" if self.provider == "gke" else "an IAM role ARN"
        problems = []
        for field in ("app_role", "backup_role"):
            template = getattr(self, field)
            unknown = set(re.findall(r"\{[^}]*\}", template)) - set(_IDENTITY_PLACEHOLDERS)
            if unknown:
                names = ", ".join(sorted(unknown))
                problems.append(f"{field}: unknown placeholder {names} (use {{app}}, {{namespace}})")
            elif not any(p in template for p in _IDENTITY_PLACEHOLDERS):
                problems.append(f"{field}: must contain {{app}} or {{namespace}} so each app has its own identity")
            elif not re.fullmatch(pattern, self.resolve(template, "appname", "prefix-appname")):
                problems.append(f"{field}: '{template}' does not make {kind}")
        if self.app_role == self.backup_role:
            problems.append("backup_role must differ from app_role: backups get their own identity")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @staticmethod
    def resolve(template: str, app: str, namespace: str) -> str:
        return template.replace("{app}", app).replace("{namespace}", namespace)


class KubernetesObjectStorageSettings(Strict):
    """The S3-compatible store behind the spec's buckets (Kubernetes has no bucket resource).

    Buckets are not created by the stack: each is named <bucket_prefix><namespace>-<bucket> and must exist.
    """

    endpoint: HttpUrl = Field("https://s3.us-east-1.amazonaws.com", description="S3 API URL")
    region: str = "us-east-1"
    bucket_prefix: str = Field(
        "", pattern=r"^([a-z0-9][-a-z0-9.]*-)?$", description="prepended to bucket names"
    )
    public_url: HttpUrl | None = Field(
        None,
        description="public (CDN) base URL; a cdn bucket is served at <public_url>/<bucket>",
    )
    cidrs: list[Cidr] = Field(
        default_factory=list,
        description="the store's address ranges (e.g. the region's S3 prefix list): backup pods and "
        "CloudNativePG reach only these; empty: any egress_cidrs address on the endpoint's port",
    )
    credentials: Literal["workload-identity", "static"] | None = Field(
        None,
        description="how pods authenticate to the store; required once an app has buckets or backs up to s3. "
        "workload-identity (preferred): per-app cloud identities, no key; static: per-app keys from config "
        "<app>:storageAccessKeyId/storageSecretAccessKey and <app>:backupAccessKeyId/backupSecretAccessKey",
    )
    workload_identity: WorkloadIdentitySettings | None = Field(
        None, description="credentials workload-identity: the provider and the per-app identities"
    )

    @model_validator(mode="after")
    def _identity_matches_mode(self) -> KubernetesObjectStorageSettings:
        if self.credentials == "workload-identity" and self.workload_identity is None:
            raise ValueError("credentials workload-identity needs workload_identity (provider, app_role, backup_role)")
        if self.credentials != "workload-identity" and self.workload_identity is not None:
            raise ValueError("workload_identity is set but credentials is not workload-identity")
        return self


class KubernetesObservabilitySettings(Strict):
    enabled: bool = Field(
        False, description="ServiceMonitors, PrometheusRules and Grafana dashboards (needs the CRDs)"
    )
    install_stack: bool = Field(False, description="install the kube-prometheus-stack Helm chart")
    chart_version: str = Field(
        "65.1.1", pattern=r"^\d+\.\d+\.\d+$", description="pinned kube-prometheus-stack version"
    )
    namespace: str = Field(
        "monitoring", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="where Prometheus runs"
    )
    release_label: str = Field(
        "kube-prometheus-stack",
        pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        description="`release` label Prometheus selects monitors and rules by",
    )


class KubernetesSettings(Strict):
    kubeconfig: str | None = Field(None, description="path to a kubeconfig file; defaults to the ambient one")
    context: str | None = Field(None, description="kubeconfig context to use")
    namespace_prefix: str = Field("", pattern=r"^([a-z0-9][-a-z0-9]*-)?$", description="e.g. 'dev-'")
    ingress_class: KubernetesName = "nginx"
    cluster_issuer: KubernetesName = "letsencrypt-prod"
    ingress_namespace: str = Field(
        "ingress-nginx", pattern=DNS_LABEL_63,
        description="namespace of the ingress controller (the only source of public traffic)",
    )
    image_registry: str | None = Field(
        None,
        pattern=r"^[a-z0-9]+([._/:-][a-z0-9]+)*$",
        description="registry path for images built from source (e.g. ghcr.io/acme); unset: local names "
        "<app>-<image> loaded into the cluster (kind load / k3d image import)",
    )
    storage_class: KubernetesName | None = Field(
        None, description="StorageClass of every volume; default: the cluster's default"
    )
    egress_cidrs: list[Cidr] = Field(
        default_factory=lambda: ["0.0.0.0/0"], description="where app pods may connect outside the cluster"
    )
    egress_except_cidrs: list[Cidr] = Field(
        default_factory=lambda: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"],
        description="carved out of egress_cidrs: private ranges and the cloud metadata endpoint",
    )
    api_server_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="the API server's addresses: CloudNativePG and monitoring pods reach the API only "
        "there; empty: any address on 443/6443",
    )
    redis_image: str | None = Field(
        None, pattern=_IMAGE, description="in-cluster Redis image override (pinned)"
    )
    redis_tls: bool | None = Field(
        None, description="in-cluster Redis speaks TLS only (a per-app cert-manager CA) with AUTH; unset: on in "
        "tier prod, off elsewhere (prod refuses false)",
    )
    postgres: KubernetesPostgresSettings = KubernetesPostgresSettings()
    backups: KubernetesBackupSettings = KubernetesBackupSettings()
    object_storage: KubernetesObjectStorageSettings = KubernetesObjectStorageSettings()
    observability: KubernetesObservabilitySettings = KubernetesObservabilitySettings()
    render_yaml_to_directory: str | None = Field(
        None,
        description="the provider writes every object as YAML under this directory instead of applying it to a "
        "cluster (its renderYamlToDirectory option; kubeconfig and context are then not passed: the provider refuses "
        "them beside it); for real-engine tests and manifest export, never a shipped stack",
    )


class ExistingVpc(Strict):
    """A VPC and subnets created elsewhere, adopted by ID instead of creating a new network."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    cidr: str = Field(description="the VPC's IPv4 CIDR, e.g. 10.20.0.0/16")
    availability_zones: list[str] = Field(min_length=2, description="the zones of the subnets, in list order")
    public_subnet_ids: list[str] = Field(min_length=2, description="load balancers; one per AZ")
    private_subnet_ids: list[str] = Field(min_length=2, description="tasks, egress through NAT; one per AZ")
    isolated_subnet_ids: list[str] = Field(min_length=2, description="data stores, no internet route; one per AZ")

    @model_validator(mode="after")
    def _subnet_ids(self) -> ExistingVpc:
        ids = self.public_subnet_ids + self.private_subnet_ids + self.isolated_subnet_ids
        bad = [i for i in ids if not re.match(r"^subnet-[0-9a-f]{8,17}$", i)]
        if bad:
            raise ValueError(f"not subnet IDs: {', '.join(bad)}")
        if not _is_cidr(self.cidr):
            raise ValueError(f"cidr '{self.cidr}' is not an IPv4 network")
        for kind in ("public", "private", "isolated"):
            if len(getattr(self, f"{kind}_subnet_ids")) != len(self.availability_zones):
                raise ValueError(f"give one {kind} subnet per availability zone ({len(self.availability_zones)})")
        return self


class AwsSettings(Strict):
    region: str = Field("us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    # Network (see docs/aws.md). None means "the tier's default".
    vpc_cidr: str = Field("10.0.0.0/16", description="CIDR of a created VPC, /16 to /24")
    availability_zones: int | None = Field(None, ge=2, le=4, description="AZ count; default 2 in dev, 3 in prod")
    zone_names: list[str] | None = Field(
        None, min_length=2, max_length=4,
        description="pin the AZs by name (e.g. us-east-1a); default: <region>a, b, c... up to the count",
    )
    nat_gateways: Literal["none", "single", "per_az"] | None = Field(
        None, description="NAT for private subnets; default single in dev, per_az in prod"
    )
    interface_endpoints: bool = Field(False, description="ECR, Secrets Manager and CloudWatch Logs endpoints")
    flow_logs: bool | None = Field(None, description="VPC flow logs to CloudWatch Logs; default on in prod")
    existing_vpc: ExistingVpc | None = Field(None, description="adopt this VPC and its subnets instead of creating one")
    # Data stores.
    backup_retention_days: int | None = Field(
        None, ge=1, le=35, description="RDS/ElastiCache backup retention; prod never goes below 7"
    )
    postgres_ssl_root_cert: str | None = Field(
        None, pattern=r"^/[A-Za-z0-9._/-]+$",
        description="path of the RDS CA bundle (global-bundle.pem) inside the app images; set: the apps' "
        "PostgreSQL URLs verify the server (sslmode=verify-full&sslrootcert=<path>); unset: sslmode=require",
    )
    redis_auth_token_update: Literal["ROTATE", "SET"] = Field(
        "ROTATE",
        description="how ElastiCache applies a changed AUTH token: ROTATE keeps the previous token valid too "
        "(clients roll over); SET, the rotation's second step, leaves only the current token valid",
    )

    @model_validator(mode="after")
    def _coherent(self) -> AwsSettings:
        network = ipaddress.ip_network(self.vpc_cidr, strict=True) if _is_cidr(self.vpc_cidr) else None
        if network is None or network.version != 4 or not 16 <= network.prefixlen <= 24:
            raise ValueError(f"vpc_cidr '{self.vpc_cidr}' must be an IPv4 network from /16 to /24")
        if self.zone_names and self.availability_zones and len(self.zone_names) != self.availability_zones:
            raise ValueError("zone_names and availability_zones disagree; set one of them")
        return self

    # --- Compute, edge and observability (components/aws/compute; see docs/aws-compute.md) ---
    hosted_zone_id: str | None = Field(
        None, pattern=r"^Z[A-Z0-9]{1,31}$", description="Route 53 zone: DNS-validates the certificate, aliases the ALB"
    )
    certificate_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$",
        description="use this ACM certificate instead of requesting one",
    )
    allow_plain_http: bool = Field(False, description="dev only: serve an app without TLS (no domain) over HTTP")
    ssl_policy: str = Field(
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        pattern=r"^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)[A-Za-z0-9-]+$",
        description="HTTPS listener policy; TLS 1.2 or newer only",
    )
    desync_mitigation_mode: Literal["defensive", "strictest"] = "defensive"
    deregistration_delay_seconds: int = Field(30, ge=0, le=3600, description="target group connection draining")
    health_check_grace_period_seconds: int = Field(60, ge=0, le=3600, description="ECS ignores ALB checks this long")
    ecs_exec: bool = Field(False, description="dev only: ECS Exec (needs a writable root filesystem); refused in prod")
    spot_workers: bool = Field(
        False, description="deprecated (warns): dev only: run workers without capacity_providers on FARGATE_SPOT"
    )
    wait_for_steady_state: bool = Field(
        True, description="`pulumi up` waits for every ECS rollout and fails when the circuit breaker rolls it back"
    )
    ecr_keep_images: int = Field(20, ge=1, le=1000, description="ECR lifecycle: keep this many most recent images")
    alarm_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list, description="SNS email subscriptions for alarms"
    )
    alarm_https_endpoints: list[Annotated[str, Field(pattern=r"^https://\S+$")]] = Field(
        default_factory=list, description="SNS HTTPS subscriptions (https://...)"
    )
    alarm_5xx_percent: float = Field(5.0, gt=0, le=100, description="ALB target 5xx share of requests that alarms")
    alarm_p95_latency_ms: int = Field(
        1000, ge=10, le=60000, description="p95 latency alarm unless the app's alerts state a p95 target"
    )
    managed_prometheus: bool | None = Field(
        None,
        description="AMP workspace, the spec's PromQL alerts and a collector sidecar; default: on in prod for "
        "apps with alerts (off: the plan warns about every alert not deployed)",
    )
    prometheus_collector_image: str = Field(
        "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
        pattern=r"^[a-z0-9.-]+(/[a-z0-9._-]+)+(:[A-Za-z0-9_.-]+)?(@sha256:[0-9a-f]{64})?$",
        description="ADOT collector image for the scrape sidecar",
    )


def _is_cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return True


class StackSettings(Strict):
    platform: Literal["aws", "kubernetes"]
    tier: Tier
    domain: Hostname | None = Field(None, description="base domain; an app without one gets <app>.<domain>")
    kubernetes: KubernetesSettings = KubernetesSettings()
    aws: AwsSettings = AwsSettings()
    apps: dict[Name, dict[str, Any] | None] = Field(
        default_factory=dict, description="blueprint name -> overrides (mode single: 1 or more; app: exactly 1)"
    )
    mode: Mode = Field(
        "single",
        description="single: every app in this stack; environment: only what apps share (docs/environments.md); "
        "app: one app against an environment stack",
    )
    environment: EnvironmentSettings | None = Field(
        None, description="mode environment: its name and app priority blocks; mode app: the environment stack"
    )
    overrides: list[ResourceOverride] = Field(
        default_factory=list,
        description="patches of resource inputs by type and name glob (docs/extending.md); each must match",
    )
    transforms: list[TransformRef] = Field(
        default_factory=list,
        description="Python resource transformations, module:function importable from the project root, "
        "applied after the overrides (docs/extending.md)",
    )
    generated_secrets: Literal["random", "config"] = Field(
        "random",
        description="random: pulumi-random generates them; "
        "kubernetes only: config: every value pulumi-random would generate is read from the secret config key "
        "appstack-generated:<resource name> instead; for real-engine runs without the pulumi-random provider "
        "(components/generated.py), never a shipped stack",
    )

    @field_validator("generated_secrets")
    @classmethod
    def _generated_secrets_platform(cls, value: str, info: ValidationInfo) -> str:
        if value == "config" and info.data.get("platform") != "kubernetes":
            raise ValueError("'config' is only supported on the kubernetes platform")
        return value

    @property
    def defaults(self) -> TierDefaults:
        return TIER_DEFAULTS[self.tier]

    def managed_prometheus(self, has_alerts: bool) -> bool:
        """AWS: whether an app's metrics and PromQL alerts go to Amazon Managed Service for Prometheus
        (by default: in prod, for apps that declare alerts)."""
        explicit = self.aws.managed_prometheus
        return self.defaults.managed_prometheus and has_alerts if explicit is None else explicit


@dataclass(frozen=True)
class Stack:
    name: str
    settings: StackSettings
    apps: dict[str, AppSpec]
    warnings: tuple[str, ...] = ()  # valid but worth a look (fields a stack override drops); shown by the plan
    link: EnvironmentLink | None = None  # mode app: the environment stack, read from its stack file

    @property
    def defaults(self) -> TierDefaults:
        return self.settings.defaults

    @property
    def resource_name(self) -> str:
        """The name physical names and tags carry: the environment's in modes environment and app, so an app
        keeps the names the single stack gave it (switching modes moves state, nothing is renamed)."""
        if self.link is not None:
            return self.link.name
        environment = self.settings.environment
        return (environment.name if environment and self.settings.mode == "environment" else None) or self.name


ConfigReader = Callable[[str], str | None]
_SETTINGS_KEYS = tuple(StackSettings.model_fields)


def default_blueprints_dir(read: ConfigReader | None = None) -> Path:
    """The blueprints of the project of the working directory (appstack.project)."""
    from .project import find_project

    return find_project().blueprints_dir(read)


def available_blueprints(directory: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (directory or default_blueprints_dir()).glob("*.yaml"))


def load_blueprint(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The raw blueprint document; raises ConfigError when it is missing or not a strict YAML mapping."""
    directory = directory or default_blueprints_dir()
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(available_blueprints(directory)) or "none"
        where = f"{directory.name}/" if directory.is_dir() else f"{directory} (no such directory)"
        raise ConfigError([Problem(f"apps.{name}", f"unknown app; blueprints in {where}: {known}")])
    document = load_mapping(path, shown_as=f"{directory.name}/{path.name}")
    # Top-level keys starting with x- hold YAML anchors shared inside the blueprint (as in Compose files).
    return {key: value for key, value in document.items() if not str(key).startswith("x-")}


def _merges(old: Any, new: Any) -> bool:
    """A mapping override merges into a mapping unless it names a different `engine` (`engine: null`
    merges, and so removes the engine)."""
    return (isinstance(new, Mapping) and isinstance(old, Mapping)
            and new.get("engine") in (None, old.get("engine")))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides win; mappings merge key by key; lists and scalars replace; null removes a key.

    A mapping that names a different `engine` (database: sqlite -> postgres) replaces the old one whole.
    """
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif _merges(merged.get(key), value):
            merged[key] = deep_merge(merged[key], value)
        elif isinstance(value, Mapping):
            merged[key] = deep_merge({}, value)  # a replacing mapping drops its nulls too
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class DroppedFields:
    """A blueprint mapping an override replaced whole, and the blueprint's fields that went with it."""

    path: tuple[str, ...]  # inside the app, e.g. ("database",)
    old_engine: Any
    new_engine: Any
    dropped: tuple[str, ...]  # the blueprint's keys the override does not restate, sorted


def replaced_subspecs(base: Mapping[str, Any], override: Mapping[str, Any],
                      path: tuple[str, ...] = ()) -> list[DroppedFields]:
    """Where `deep_merge(base, override)` replaces a blueprint mapping instead of merging into it
    (an engine switch, or a mapping overridden by a scalar or list), and which fields that drops.
    An explicit `null` is a deliberate removal and is not reported."""
    found: list[DroppedFields] = []
    for key, value in override.items():
        old = base.get(key)
        if value is None or not isinstance(old, Mapping):
            continue
        where = (*path, str(key))
        if _merges(old, value):
            found += replaced_subspecs(old, value, where)
            continue
        kept = set(value) if isinstance(value, Mapping) else set()
        dropped = tuple(sorted(str(k) for k in old if k not in kept and k != "engine"))
        if dropped:
            new_engine = value.get("engine") if isinstance(value, Mapping) else None
            found.append(DroppedFields(where, old.get("engine"), new_engine, dropped))
    return found


def _engine_model(field_path: tuple[str, ...], engine: Any) -> type[BaseModel] | None:
    """The spec model an `engine` value selects for a top-level app field (database, cache)."""
    if len(field_path) != 1 or field_path[0] not in AppSpec.model_fields:
        return None
    pending = [AppSpec.model_fields[field_path[0]].annotation]
    while pending:
        tp = pending.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            literal = tp.model_fields.get("engine")
            if literal is not None and engine in get_args(literal.annotation):
                return tp
        pending += list(get_args(tp))
    return None


def override_warnings(app: str, blueprint: Mapping[str, Any], override: Mapping[str, Any]) -> list[str]:
    """One warning per blueprint mapping a stack override replaces, naming every field it drops.

    Fields the new sub-spec also has (a backup schedule kept across sqlite -> postgres) are called out:
    they silently fall back to defaults unless the override restates them.
    """
    warnings = []
    for item in replaced_subspecs(blueprint, override):
        where = join_path("apps", app, *item.path)
        model = _engine_model(item.path, item.new_engine)
        carried = [f for f in item.dropped if model is not None and f in model.model_fields]
        other = [f for f in item.dropped if f not in carried]
        how = (f"switches engine {item.old_engine} -> {item.new_engine}" if item.new_engine is not None
               else "replaces the blueprint's mapping")
        parts = []
        if carried:
            it = "they fall back to defaults unless the override restates them" if len(carried) > 1 else \
                "it falls back to its default unless the override restates it"
            parts.append(f"{', '.join(carried)} ({item.new_engine} has {'them' if len(carried) > 1 else 'it'} "
                         f"too: {it})")
        if other:
            parts.append(f"{', '.join(other)}" + (f" (no {item.new_engine} field)" if model is not None else ""))
        warnings.append(f"{where}: the stack override {how} and drops the blueprint's {'; '.join(parts)}")
    return warnings


def read_settings(read: ConfigReader, all_keys: list[str] | None = None) -> dict[str, Any]:
    """Raw stack settings from config; values are JSON for objects and plain strings otherwise."""
    raw: dict[str, Any] = {}
    for key in _SETTINGS_KEYS:
        value = read(f"{CONFIG_NAMESPACE}:{key}")
        if value is None:
            continue
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    for key in all_keys or []:
        namespace, _, name = key.partition(":")
        if namespace == CONFIG_NAMESPACE and name not in _SETTINGS_KEYS and name not in PROJECT_KEYS:
            raw.setdefault("__unknown__", []).append(name)
    return raw


def load_stack(stack_name: str, read: ConfigReader, *, all_keys: list[str] | None = None,
               blueprints_dir: Path | None = None, project_root: Path | None = None,
               load_environment: EnvironmentLoader | None = None) -> Stack:
    """Validate the whole stack (settings and every app) or raise one ConfigError naming every problem.

    Blueprints come from `blueprints_dir`, by default the working directory's project's (appstack.project).
    An app stack's environment stack file is read from `project_root` (default: that project) unless
    `load_environment(stack)` gives its settings.
    """
    blueprints_dir = blueprints_dir or default_blueprints_dir(read)
    raw = read_settings(read, all_keys)
    problems = [
        Problem(f"{CONFIG_NAMESPACE}:{name}", f"unknown setting; allowed: {', '.join(_SETTINGS_KEYS + PROJECT_KEYS)}")
        for name in raw.pop("__unknown__", [])
    ]
    settings: StackSettings | None = None
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as error:
        problems += problems_from_validation(error, prefix="", model=StackSettings)
    # Apps are checked even when the settings are not, so one run reports everything.
    app_overrides = settings.apps if settings else raw.get("apps")
    raw_domain = raw.get("domain")
    domain = settings.domain if settings else (raw_domain if isinstance(raw_domain, str) else None)
    apps: dict[str, AppSpec] = {}
    warnings: list[str] = []
    link: EnvironmentLink | None = None
    for name, overrides in (app_overrides if isinstance(app_overrides, dict) else {}).items():
        spec, app_problems = _load_app(str(name), overrides, domain, blueprints_dir)
        problems += app_problems
        if spec is not None:
            apps[str(name)] = spec
            if overrides:
                warnings += override_warnings(str(name), load_blueprint(str(name), blueprints_dir), overrides)
    if settings is not None:
        from .naming.checks import check_stack_names
        from .semantics import aws_only_warnings, check_stack_semantics, kubernetes_only_warnings

        warnings += kubernetes_only_warnings(settings, apps)
        problems += check_stack_names(settings, apps) + tier_problems(settings, apps)
        from .upgrades import check_upgrades

        problems += check_upgrades(settings.platform, settings.kubernetes.postgres.mode_for, apps)
        problems += check_stack_semantics(settings, apps, read)
        warnings += aws_only_warnings(settings, apps)
        problems += _check_object_storage(settings, apps)
        problems += _check_redis_directives(settings, apps)
        problems += mode_problems(settings)
        if not problems:
            link, link_problems = link_environment(
                settings, apps, load_environment or _environment_loader(project_root, blueprints_dir))
            problems += link_problems
            warnings += list(link.warnings) if link else []
    if problems:
        raise ConfigError([_as_written(p) for p in problems], title=f"Invalid configuration for stack '{stack_name}'")
    assert settings is not None
    return Stack(stack_name, settings, apps, tuple(warnings), link)


def _environment_loader(project_root: Path | None, blueprints_dir: Path) -> EnvironmentLoader:
    """Reads an environment stack's file from the project; never follows a further link (no cycles)."""

    def load(name: str) -> tuple[StackSettings | None, list[Problem]]:
        from .project import find_project, load_project
        from .synth import stack_config

        project = load_project(project_root) if project_root else find_project()
        try:
            config, _ = stack_config(name, project)
            env = load_stack(name, config.get, all_keys=sorted(config), blueprints_dir=blueprints_dir,
                             load_environment=lambda _: (None, []))
        except FileNotFoundError as error:
            return None, [Problem("", str(error))]
        except ConfigError as error:
            return None, error.problems
        return env.settings, []

    return load


def tier_problems(settings: StackSettings, apps: Mapping[str, AppSpec]) -> list[Problem]:
    """What a production stack refuses: ECS Exec, and (AWS) a CDN bucket CloudFront would serve on its
    default *.cloudfront.net certificate, whose security policy still accepts TLS 1.0."""
    if settings.tier != "prod":
        return []
    problems = []
    if settings.platform == "kubernetes" and settings.kubernetes.redis_tls is False:
        problems.append(Problem(
            "kubernetes.redis_tls", "a prod stack's in-cluster Redis speaks TLS only; remove redis_tls: false",
        ))
    if settings.aws.ecs_exec:
        problems.append(Problem(
            "aws.ecs_exec", "ECS Exec is for dev stacks only: in prod it would open shells into running tasks and "
            "make their root filesystems writable",
        ))
    if settings.platform == "aws":
        for name, spec in sorted(apps.items()):
            if spec.domain and spec.tls:
                continue
            problems += [
                Problem(f"apps.{name}.storage.{bucket}.access",
                        "a prod CDN needs the app's domain with tls: true (served at <bucket>.<domain> with an ACM "
                        "certificate and TLS 1.2+); CloudFront's default certificate also accepts TLS 1.0")
                for bucket, storage in sorted((spec.storage or {}).items()) if storage.access == "cdn"
            ]
    return problems


def _as_written(problem: Problem) -> Problem:
    """Stack settings are named by the config key the user wrote: appstack:kubernetes.ingress_class."""
    head = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
    if head in _SETTINGS_KEYS and (head != "apps" or problem.path == "apps"):
        return Problem(f"{CONFIG_NAMESPACE}:{problem.path}", problem.message)
    return problem


def _check_object_storage(settings: StackSettings, apps: Mapping[str, AppSpec]) -> list[Problem]:
    """Kubernetes: how pods authenticate to object storage is a choice the stack states, never a default."""
    if settings.platform != "kubernetes":
        return []
    k8s = settings.kubernetes
    s3_backups = k8s.backups.enabled and k8s.backups.target == "s3"
    users = sorted(name for name, spec in apps.items() if spec.storage or s3_backups)
    storage = k8s.object_storage
    path = "kubernetes.object_storage.credentials"
    if users and storage.credentials is None:
        return [Problem(path, f"apps {', '.join(users)} use object storage: set workload-identity (preferred, "
                              "with workload_identity) or static")]
    identity = storage.workload_identity
    if s3_backups and identity is not None and identity.provider == "gke":
        return [Problem("kubernetes.backups.target", "s3 backups authenticate with the S3 API, which a GKE "
                        "workload identity cannot sign; use target pvc or static credentials")]
    return []


def _check_redis_directives(settings: StackSettings, apps: Mapping[str, AppSpec]) -> list[Problem]:
    """AWS: a directive ElastiCache does not let a parameter group set is refused, never silently dropped."""
    if settings.platform != "aws":
        return []
    return [
        Problem(f"apps.{name}.cache.directives.{directive}", f"{why}; remove it from AWS stacks "
                f"(a stack override `cache: {{directives: {{{directive}: null}}}}` does)")
        for name, spec in sorted(apps.items()) if isinstance(spec.cache, RedisSpec)
        for directive, why in sorted(ELASTICACHE_FIXED.items()) if directive in spec.cache.directives.lines()
    ]


# Static object storage keys, in each app's own config namespace (<app>:<key>): one pair per app and principal.
STATIC_STORAGE_KEYS = {
    "app": {"AWS_ACCESS_KEY_ID": "storageAccessKeyId", "AWS_SECRET_ACCESS_KEY": "storageSecretAccessKey"},
    "backup": {"AWS_ACCESS_KEY_ID": "backupAccessKeyId", "AWS_SECRET_ACCESS_KEY": "backupSecretAccessKey"},
}


def static_storage_keys(settings: StackSettings, apps: Mapping[str, AppSpec]) -> list[tuple[str, str, str]]:
    """(app, principal, config key) of every static key a Kubernetes stack reads: the app principal's pair
    for an app with buckets, the backup principal's when backups go to s3 (components/kubernetes/storage.py)."""
    storage = settings.kubernetes.object_storage
    if settings.platform != "kubernetes" or storage.credentials != "static":
        return []
    s3 = settings.kubernetes.backups.enabled and settings.kubernetes.backups.target == "s3"
    return [(name, principal, key) for name, spec in sorted(apps.items())
            for principal in (["app"] if spec.storage else []) + (["backup"] if s3 else [])
            for key in STATIC_STORAGE_KEYS[principal].values()]


def spec_context(blueprints_dir: Path) -> dict[str, Any]:
    """Validation context of a blueprint: files it names (database.bootstrap.scripts) are read relative to
    its directory, for the blueprint and the stack's overrides alike."""
    return {SPEC_DIR_CONTEXT: blueprints_dir}


def _load_app(
    name: str, overrides: Any, domain: str | None, blueprints_dir: Path
) -> tuple[AppSpec | None, list[Problem]]:
    """One app: its blueprint merged with the stack's overrides, validated and cross-checked."""
    if overrides is not None and not isinstance(overrides, dict):
        return None, [Problem(f"apps.{name}", "overrides must be a mapping (or {} for none)")]
    try:
        document = load_blueprint(name, blueprints_dir)
    except ConfigError as error:
        return None, error.problems
    merged = deep_merge(document, overrides or {})
    if merged.get("name") != name:
        return None, [Problem(f"apps.{name}.name", f"blueprint {name}.yaml must declare name: {name}")]
    if domain and "domain" not in merged:
        merged["domain"] = f"{name}.{domain}"
    try:
        spec = AppSpec.model_validate(merged, context=spec_context(blueprints_dir))
    except ValidationError as error:
        return None, problems_from_validation(error, prefix=f"apps.{name}", model=AppSpec)
    problems = [Problem(join_path("apps", name, p.path), p.message) for p in check_app(spec)]
    deployed = deployed_document(merged)
    if deployed is not None and not problems:
        # Renamed entities are deployed under the names they had (appstack/spec/renames.py).
        spec = AppSpec.model_validate(deployed, context=spec_context(blueprints_dir))
    return spec, problems


def validate_blueprint(name: str, blueprints_dir: Path | None = None) -> AppSpec:
    """Validate one blueprint on its own (no stack overrides); raises ConfigError."""
    document = load_blueprint(name, blueprints_dir)
    document.setdefault("domain", f"{name}.example.com")  # stacks set the real domain
    try:
        spec = AppSpec.model_validate(document, context=spec_context(blueprints_dir or default_blueprints_dir()))
    except ValidationError as error:
        raise ConfigError(problems_from_validation(error, prefix=f"apps.{name}", model=AppSpec)) from None
    problems = [Problem(join_path("apps", name, p.path), p.message) for p in check_app(spec)]
    if problems:
        raise ConfigError(problems)
    return spec
