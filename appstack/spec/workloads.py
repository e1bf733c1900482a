"""Workloads of an app: long-running services and workers, one-off jobs and scheduled jobs."""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from . import cron as cron_syntax
from .base import (
    ENV_NAME,
    AbsolutePath,
    Cpu,
    EnvName,
    Hostname,
    HttpPath,
    Memory,
    Name,
    Strict,
    cpu_millicores,
    memory_mib,
)
from .iam import IamStatements
from .kubernetes import PodKubernetesSpec, ServiceKubernetesSpec


class ProbeSpec(Strict):
    """One health check: exactly one of http, grpc, tcp or command."""

    http: HttpPath | None = Field(None, description="HTTP GET path on the service port")
    grpc: bool = False
    tcp: bool = False
    command: list[str] | None = Field(None, min_length=1)
    port: int | None = Field(None, ge=1, le=65535, description="defaults to the service port")
    initial_delay_seconds: int = Field(0, ge=0, le=3600)
    period_seconds: int = Field(10, ge=1, le=3600)
    timeout_seconds: int = Field(5, ge=1, le=600)
    failure_threshold: int = Field(3, ge=1, le=100)

    @model_validator(mode="after")
    def _exactly_one_check(self) -> ProbeSpec:
        chosen = [k for k in ("http", "grpc", "tcp", "command") if getattr(self, k)]
        if len(chosen) != 1:
            raise ValueError(f"set exactly one of http, grpc, tcp or command (got {', '.join(chosen) or 'none'})")
        return self

    @property
    def kind(self) -> Literal["http", "grpc", "tcp", "command"]:
        for kind in ("http", "grpc", "tcp", "command"):
            if getattr(self, kind):
                return kind  # type: ignore[return-value]
        raise AssertionError("validated probe has a kind")


class HealthSpec(Strict):
    liveness: ProbeSpec | None = None
    readiness: ProbeSpec | None = None
    startup: ProbeSpec | None = None
    load_balancer_path: HttpPath | None = Field(
        None,
        description="path the load balancer checks; defaults to the readiness, then liveness, HTTP path",
    )

    def probes(self) -> dict[str, ProbeSpec]:
        return {k: p for k in ("liveness", "readiness", "startup") if (p := getattr(self, k)) is not None}

    def http_check_path(self) -> str | None:
        if self.load_balancer_path:
            return self.load_balancer_path
        for probe in (self.readiness, self.liveness):
            if probe is not None and probe.http:
                return probe.http
        return None


class ComputeQuantities(Strict):
    cpu: Cpu = "250m"
    memory: Memory = "256Mi"


class LimitQuantities(Strict):
    cpu: Cpu | None = None
    memory: Memory = "512Mi"


class ResourcesSpec(Strict):
    """Requests are what the scheduler reserves; limits are the ceiling (a memory limit is always set)."""

    requests: ComputeQuantities = ComputeQuantities()
    limits: LimitQuantities = LimitQuantities()

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> ResourcesSpec:
        if memory_mib(self.limits.memory) < memory_mib(self.requests.memory):
            raise ValueError(
                f"limits.memory ({self.limits.memory}) must be at least requests.memory ({self.requests.memory})"
            )
        if self.limits.cpu and cpu_millicores(self.limits.cpu) < cpu_millicores(self.requests.cpu):
            raise ValueError(f"limits.cpu ({self.limits.cpu}) must be at least requests.cpu ({self.requests.cpu})")
        return self


class AutoscaleSpec(Strict):
    min: int = Field(ge=1, le=1000)
    max: int = Field(ge=1, le=1000)
    cpu_percent: int | None = Field(70, ge=1, le=100)
    memory_percent: int | None = Field(None, ge=1, le=100)
    requests_per_target: int | None = Field(
        None, ge=1, description="load-balancer requests per target per minute (AWS web services)"
    )

    @model_validator(mode="after")
    def _coherent(self) -> AutoscaleSpec:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        if not (self.cpu_percent or self.memory_percent or self.requests_per_target):
            raise ValueError("set at least one target: cpu_percent, memory_percent or requests_per_target")
        return self


class RouteSpec(Strict):
    """A public route: a path prefix, optionally on its own host."""

    path: str = Field(pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")
    host: Hostname | None = Field(None, description="defaults to the app's domain")
    websocket: bool = False

    @model_validator(mode="after")
    def _canonical_path(self) -> RouteSpec:
        if self.path != "/" and self.path.endswith("/"):
            raise ValueError(f"path '{self.path}' must not end with '/' (prefixes match without it)")
        return self


class VolumeSpec(Strict):
    mount_path: AbsolutePath
    size_gb: int = Field(10, ge=1, le=16384)


class MetricsSpec(Strict):
    path: HttpPath = "/metrics"
    port: int | None = Field(None, ge=1, le=65535, description="defaults to the service port")
    interval_seconds: int = Field(30, ge=5, le=300)
    scrape_only: bool = Field(
        False, description="the service exists to be scraped (an exporter): only the monitoring stack reaches "
        "it (Kubernetes: the monitoring namespace on the metrics port; AWS: its own collector sidecar over "
        "localhost, no other task), and on Kubernetes its pods reach no app service and no internet: DNS, "
        "the data stores their env binds and the app's declared egress only")


class ProcessSpec(Strict):
    """One sandboxed container: an image, its command, its environment and its resources."""

    image: Name = Field(description="name of an entry in the app's images")
    command: list[str] | None = Field(None, min_length=1, description="replaces the image entrypoint")
    args: list[str] | None = Field(None, description="replaces the image command")
    env: dict[EnvName, str] = Field(default_factory=dict, description="plain values or ${binding} templates")
    resources: ResourcesSpec = ResourcesSpec()
    run_as_user: int = Field(10001, ge=0, le=2**31 - 1, description="non-root uid the container runs as")
    run_as_group: int | None = Field(None, ge=0, le=2**31 - 1, description="defaults to run_as_user")
    writable_paths: list[AbsolutePath] = Field(
        default_factory=lambda: ["/tmp"], description="the only writable paths; the root filesystem is read-only"
    )

    @field_validator("run_as_user")
    @classmethod
    def _not_root(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0: containers never run as root")
        return value

    @property
    def group(self) -> int:
        return self.run_as_user if self.run_as_group is None else self.run_as_group


class SidecarPort(Strict):
    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", max_length=15,
                      description="an IANA service name: lowercase letters, digits and '-', at most 15")
    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"


class SidecarSpec(ProcessSpec):
    """A helper container beside a service's or worker's main one (a proxy, a log shipper): same sandbox
    (non-root, read-only root filesystem, no capabilities), its own env, counted in the pod's and task's size.
    Its env may reference app.*, services.* and, as a whole value, secrets.* (no data store: the main
    container alone holds the data stores' CA files and client labels)."""

    ports: list[SidecarPort] = Field(default_factory=list)
    health: ProbeSpec | None = Field(None, description="a command check (ECS runs only commands); restarts it")
    essential: bool = Field(True, description="ECS: the task stops when it stops (Kubernetes restarts it)")

    @field_validator("health")
    @classmethod
    def _command_check(cls, value: ProbeSpec | None) -> ProbeSpec | None:
        if value is not None and value.kind != "command":
            raise ValueError("a sidecar's check is a command (an ECS container health check runs commands only)")
        return value

    @property
    def app_env(self) -> Literal["none"]:
        """A sidecar takes none of the app's shared env (see AppSpec.env_for)."""
        return "none"


class ContainerSpec(ProcessSpec):
    """What every workload runs: an image, its command, its environment and its sandbox."""

    renamed_from: Name | None = Field(
        None, description="the name it had: its deployed resources keep that name, so a rename replaces nothing"
    )
    app_env: Literal["all", "none"] | list[EnvName] = Field(
        "all",
        description="which entries of the app's shared env this workload receives: all, none, or only the "
        "named ones (least privilege: a migration or an exporter gets no secret it never reads)",
    )
    iam_statements: IamStatements = Field(
        default_factory=list,
        description="AWS only: extra statements of its task role (docs/extending.md); no wildcard action on "
        "every resource, no IAM privilege escalation; Kubernetes warns (the pods' IAM role is not appstack's)",
    )
    kubernetes: PodKubernetesSpec = Field(
        PodKubernetesSpec(), description="Kubernetes only: pod labels and annotations, node selector, tolerations, "
        "affinity (an AWS stack ignores them and warns)")

    @field_validator("app_env", mode="before")
    @classmethod
    def _selection(cls, value: object) -> object:
        """One readable message instead of one per member of the union."""
        if isinstance(value, str) and value not in ("all", "none"):
            raise ValueError(f"must be all, none or a list of env names (got '{value}')")
        if isinstance(value, list):
            bad = [repr(v) for v in value if not (isinstance(v, str) and re.fullmatch(ENV_NAME, v))]
            if bad:
                raise ValueError(f"not env names: {', '.join(bad)}")
        elif not isinstance(value, str):
            raise ValueError("must be all, none or a list of env names")
        return value

    @field_validator("app_env")
    @classmethod
    def _named_once(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty list takes nothing: write app_env: none")
            repeated = sorted({name for name in value if value.count(name) > 1})
            if repeated:
                raise ValueError(f"names {', '.join(repeated)} more than once")
        return value

class CapacityProvider(Strict):
    """One entry of an ECS capacity provider strategy (AWS only)."""

    provider: Literal["FARGATE", "FARGATE_SPOT"]
    base: int = Field(0, ge=0, le=100000, description="tasks that run on this provider first (one provider only)")
    weight: int = Field(1, ge=0, le=1000, description="share of the tasks beyond the base")


def _capacity_mix(value: list[CapacityProvider] | None) -> list[CapacityProvider] | None:
    # ECS CapacityProviderStrategyItem: only one provider may have a base; at least one weight above 0.
    if value is None:
        return value
    if not value:
        raise ValueError("give at least one provider (or leave capacity_providers out for the default)")
    providers = [item.provider for item in value]
    if len(set(providers)) != len(providers):
        raise ValueError(f"names a provider twice ({', '.join(providers)})")
    if sum(1 for item in value if item.base > 0) > 1:
        raise ValueError("only one provider may have a base above 0")
    if not any(item.weight > 0 for item in value):
        raise ValueError("at least one provider needs a weight above 0")
    idle = [item.provider for item in value if item.base == 0 and item.weight == 0]
    if idle:
        raise ValueError(f"{idle[0]} has base 0 and weight 0, so it never runs a task: remove it")
    return value


CapacityMix = Annotated[list[CapacityProvider] | None, AfterValidator(_capacity_mix)]


class LongRunningSpec(ContainerSpec):
    replicas: int = Field(2, ge=1, le=1000, description="fixed count; exclusive with autoscale (a singleton: 1)")
    autoscale: AutoscaleSpec | None = Field(None, description="min/max replicas on CPU, memory or request targets")
    singleton: bool = Field(
        False,
        description="never runs twice, not even during a rollout (a Celery beat, a BullMQ scheduler): "
        "one replica, stopped before its replacement starts; refuses autoscale",
    )
    health: HealthSpec = HealthSpec()
    capacity_providers: CapacityMix = Field(
        None,
        description="AWS only: the ECS capacity provider mix (FARGATE, FARGATE_SPOT with base and weight); "
        "default FARGATE (dev workers: FARGATE_SPOT with aws.spot_workers); a prod service behind the load "
        "balancer that uses FARGATE_SPOT keeps a FARGATE base of at least 1",
    )
    stop_timeout_seconds: int = Field(30, ge=2, le=120)
    sidecars: dict[Name, SidecarSpec] = Field(
        default_factory=dict, description="helper containers beside the main one, on both platforms")

    @model_validator(mode="before")
    @classmethod
    def _singleton_runs_one(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("singleton") is True and "replicas" not in data:
            return {**data, "replicas": 1}
        return data

    @model_validator(mode="after")
    def _one_scaling_mode(self) -> LongRunningSpec:
        if self.singleton and self.autoscale is not None:
            raise ValueError("a singleton never runs twice, so it cannot autoscale: remove autoscale")
        if self.singleton and self.replicas != 1:
            raise ValueError(f"a singleton runs exactly 1 replica, got replicas {self.replicas}")
        if self.autoscale is not None and "replicas" in self.model_fields_set:
            raise ValueError("set either replicas or autoscale, not both (set autoscale: null to pin replicas)")
        return self

    @property
    def min_replicas(self) -> int:
        return self.autoscale.min if self.autoscale else self.replicas

    @property
    def max_replicas(self) -> int:
        return self.autoscale.max if self.autoscale else self.replicas


class ServiceSpec(LongRunningSpec):
    """A workload that serves traffic on a port: public through routes, or internal only."""

    port: int = Field(ge=1, le=65535, description="container port")
    protocol: Literal["http", "grpc", "tcp"] = "http"
    routes: list[RouteSpec] = Field(default_factory=list, description="public path prefixes; none = internal only")
    volumes: dict[Name, VolumeSpec] = Field(default_factory=dict, description="persistent volumes")
    metrics: MetricsSpec | None = None
    kubernetes: ServiceKubernetesSpec = Field(  # type: ignore[assignment]
        ServiceKubernetesSpec(), description="Kubernetes only: pod and Service labels and annotations, node "
        "selector, tolerations, affinity (an AWS stack ignores them and warns)")

    @model_validator(mode="after")
    def _routes_need_http(self) -> ServiceSpec:
        if self.routes and self.protocol != "http":
            raise ValueError(f"routes need protocol http; a {self.protocol} service is internal only")
        if self.scrape_only and self.routes:
            raise ValueError("metrics.scrape_only: a service only the monitoring stack reaches takes no routes")
        return self

    @property
    def public(self) -> bool:
        return bool(self.routes)

    @property
    def scrape_only(self) -> bool:
        """Only the monitoring stack reaches it (metrics.scrape_only)."""
        return self.metrics is not None and self.metrics.scrape_only


class WorkerSpec(LongRunningSpec):
    """A workload that serves no traffic (queue consumers); it takes no port and no routes."""

    replicas: int = Field(1, ge=1, le=1000, description="fixed count; exclusive with autoscale")
    port: None = Field(None, description="workers take no port")
    routes: None = Field(None, description="workers take no routes")

    @model_validator(mode="after")
    def _command_probes_only(self) -> WorkerSpec:
        for kind, probe in self.health.probes().items():
            if probe.kind != "command":
                raise ValueError(f"health.{kind}: a worker has no port, so its checks must be commands")
        if self.health.load_balancer_path:
            raise ValueError("health.load_balancer_path: a worker sits behind no load balancer")
        return self


class JobSpec(ContainerSpec):
    """A one-off command (a migration) run for every release, before or after the rollout."""

    command: list[str] = Field(min_length=1)
    phase: Literal["before_rollout", "after_rollout"] = "before_rollout"
    backoff_limit: int = Field(2, ge=0, le=10)
    timeout_seconds: int = Field(1800, ge=60, le=86400)
    ttl_seconds_after_finished: int = Field(86400, ge=0, le=604800)


def _time_zone(value: str) -> str:
    # IANA names only ("Europe/Berlin", "Etc/UTC"): both platforms read the IANA database, and neither
    # knows this host's 'localtime' or tzdata's placeholder 'Factory'.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*", value) or value in ("localtime", "Factory"):
        raise ValueError(f"'{value}' is not an IANA time zone such as Etc/UTC or Europe/Berlin")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}'; use an IANA name such as Etc/UTC or Europe/Berlin") from None
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone), Field(max_length=50)]


class ScheduleSpec(ContainerSpec):
    """A command run on a schedule (a nightly report, a cleanup): a Kubernetes CronJob, or an ECS task
    that EventBridge Scheduler starts."""

    command: list[str] = Field(min_length=1)
    cron: cron_syntax.CronExpression
    time_zone: TimeZone = Field("Etc/UTC", description="IANA time zone the cron is read in")
    retries: int = Field(
        2, ge=0, le=10, description="re-runs of a failed run (Kubernetes); on AWS, attempts to start the task"
    )
    timeout_seconds: int = Field(3600, ge=60, le=86400, description="a run is stopped after this long (Kubernetes)")
    start_within_seconds: int = Field(
        600, ge=60, le=86400, description="a run that cannot start this long after its time is skipped"
    )
    concurrency: Literal["forbid", "allow"] = Field(
        "forbid", description="forbid: a run never starts while the previous one still runs"
    )

    @model_validator(mode="after")
    def _runs_fit_between_times(self) -> ScheduleSpec:
        # On AWS nothing stops a second task from starting (see docs/aws-compute.md): a forbid-overlap
        # schedule must give each run its whole timeout before the next time comes.
        gap = cron_syntax.parse(self.cron).shortest_gap_minutes() * 60
        if self.concurrency == "forbid" and self.timeout_seconds > gap:
            raise ValueError(
                f"timeout_seconds ({self.timeout_seconds}) exceeds the shortest time between two runs ({gap} s): "
                "runs could overlap; lower the timeout, run less often, or set concurrency: allow"
            )
        return self

    def cron_schedule(self) -> cron_syntax.Cron:
        return cron_syntax.parse(self.cron)


EnvMap = dict[EnvName, str]
