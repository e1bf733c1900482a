"""The app spec: one platform-neutral description of a whole application."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import EnvName, Hostname, Name, Strict
from .data import AlertSpec, BucketSpec, CacheSpec, DatabaseSpec, MetricsRetention, SecretSpec
from .edge import EdgeSpec
from .egress import EgressRule
from .kubernetes import AppKubernetesSpec
from .workloads import ContainerSpec, JobSpec, RouteSpec, ScheduleSpec, ServiceSpec, WorkerSpec


class BuildSpec(Strict):
    context: str = Field(".", description="relative to the app's source_dir")
    dockerfile: str = "Dockerfile"
    target: str | None = None
    args: dict[str, str] = Field(default_factory=dict)
    platform: Literal["linux/amd64", "linux/arm64"] = "linux/amd64"


class ImageSpec(Strict):
    """Either built from source (build) or pulled as published (repository); always pinned."""

    build: BuildSpec | None = None
    repository: str | None = Field(None, pattern=r"^[a-z0-9]+([._/:-][a-z0-9]+)*$")
    tag: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
    digest: str | None = Field(None, pattern=r"^sha256:[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_source_pinned(self) -> ImageSpec:
        if (self.build is None) == (self.repository is None):
            raise ValueError("set exactly one of build (built from source) or repository (published image)")
        if self.tag == "latest":
            raise ValueError("tag 'latest' is not a pin; use a version tag or a digest")
        if not (self.tag or self.digest):
            raise ValueError("pin the image with a version tag or a digest")
        return self

    @property
    def reference(self) -> str:
        """The pinned reference of a published image (repository:tag@digest)."""
        ref = self.repository or ""
        if self.tag:
            ref += f":{self.tag}"
        if self.digest:
            ref += f"@{self.digest}"
        return ref


class AppSpec(Strict):
    name: Name
    description: str = ""
    source_dir: str | None = Field(None, description="checkout of the app's source; defaults to ../<name>")
    domain: Hostname | None = Field(None, description="public host; defaults to <name>.<stack domain>")
    tls: bool = True
    images: dict[Name, ImageSpec] = Field(default_factory=dict)
    env: dict[EnvName, str] = Field(
        default_factory=dict, description="shared by the workloads and jobs (each takes what its app_env selects)"
    )
    services: dict[Name, ServiceSpec] = Field(default_factory=dict)
    workers: dict[Name, WorkerSpec] = Field(default_factory=dict)
    jobs: dict[Name, JobSpec] = Field(default_factory=dict)
    schedules: dict[Name, ScheduleSpec] = Field(
        default_factory=dict, description="commands run on a cron schedule (CronJob / EventBridge Scheduler)"
    )
    database: DatabaseSpec | None = None
    cache: CacheSpec | None = None
    storage: dict[Name, BucketSpec] = Field(default_factory=dict)
    secrets: dict[EnvName, SecretSpec] = Field(default_factory=dict)
    alerts: list[AlertSpec] = Field(default_factory=list)
    metrics_retention: MetricsRetention | None = Field(
        None, description="how long Prometheus keeps the app's metrics (Kubernetes: the shared server keeps the "
        "longest any app asks for; AWS: the app's AMP workspace); default: the platform's (10d / 150d)",
    )
    edge: EdgeSpec = EdgeSpec()
    egress: list[EgressRule] = Field(
        default_factory=list,
        description="outbound rules of every workload beyond HTTPS, the app's services and its data stores",
    )
    kubernetes: AppKubernetesSpec = Field(
        AppKubernetesSpec(), description="Kubernetes only: labels and annotations of the app's Ingress "
        "(an AWS stack ignores them and warns)")

    def workloads(self) -> dict[str, ServiceSpec | WorkerSpec]:
        return {**self.services, **self.workers}

    def outbound_rules(self) -> list[EgressRule]:
        """`egress`, then the port of an external database and an external cache (to their CIDR blocks)."""
        rules = list(self.egress)
        for kind, store in (("database", self.database), ("cache", self.cache)):
            if store is not None and store.engine == "external":
                label = "PostgreSQL" if kind == "database" else "Redis"
                rules.append(EgressRule(port=store.port, cidrs=store.cidrs,
                                        description=f"external {label} ({kind}.url_secret {store.url_secret})"))
        return rules

    def route_owner(self, host: str | None, path: str) -> tuple[str, RouteSpec] | None:
        """The public route that serves `path` on `host` (the longest covering prefix) and its service."""
        best: tuple[str, RouteSpec] | None = None
        for name, svc in sorted(self.public_services.items()):
            for route in svc.routes:
                covers = route.path == "/" or path == route.path or path.startswith(route.path + "/")
                if (route.host or self.domain) == host and covers and (
                        best is None or len(route.path) > len(best[1].path)):
                    best = (name, route)
        return best

    def route_hosts_serving(self, path: str) -> list[str | None]:
        """Every host (None: the default host of an app without a domain) with a route serving `path`."""
        hosts = {route.host or self.domain for svc in self.public_services.values() for route in svc.routes}
        return sorted((h for h in hosts if self.route_owner(h, path)), key=lambda h: h or "")

    @property
    def public_services(self) -> dict[str, ServiceSpec]:
        return {name: svc for name, svc in self.services.items() if svc.public}

    def shared_env_for(self, container: ContainerSpec) -> dict[str, str]:
        """The entries of the app's shared env that one workload takes (its `app_env`)."""
        if container.app_env == "all":
            return dict(self.env)
        if container.app_env == "none":
            return {}
        return {name: value for name, value in self.env.items() if name in container.app_env}

    def env_for(self, container: ContainerSpec) -> dict[str, str]:
        """One workload's env: the app's shared env it takes, overlaid by its own (the workload wins)."""
        return {**self.shared_env_for(container), **container.env}
