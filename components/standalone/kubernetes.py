"""Kubernetes components one by one, without an app spec: PostgreSQL, Redis and a web service.

Each entry point takes a small typed args object and registers exactly what the same part of an app
registers (the same component types and child names), in a namespace the caller names. The context
those components share (labels, tier defaults, cluster settings) is derived from `KubernetesTarget`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
from appstack.components.kubernetes.common import AppContext, common_labels
from appstack.components.kubernetes.postgres import Postgres, PostgresArgs
from appstack.components.kubernetes.redis import Redis, RedisArgs
from appstack.components.kubernetes.service_exposure import ServiceExposure, ServiceExposureArgs
from appstack.components.kubernetes.workload import Workload, WorkloadArgs
from appstack.components.standalone import refuse_sidecars

from appstack.spec import AppSpec, ImageSpec, PostgresSpec, RedisSpec, ServiceSpec
from appstack.stackconfig import KubernetesSettings, StackSettings


@dataclass(frozen=True)
class KubernetesTarget:
    """Where a standalone component goes: an existing namespace, the tier's defaults, cluster settings."""

    namespace: str
    app: str  # the app the objects belong to (the app.kubernetes.io/part-of label)
    tier: Literal["dev", "prod"] = "dev"  # prod: protected volumes and secrets, replicas spread
    settings: KubernetesSettings = field(default_factory=KubernetesSettings)
    stack: str | None = None  # default: the running Pulumi stack


def _context(target: KubernetesTarget, spec: AppSpec, rollout_key: pulumi.Input[str] = "") -> AppContext:
    stack = target.stack or pulumi.get_stack()
    settings = StackSettings(platform="kubernetes", tier=target.tier, kubernetes=target.settings,
                             apps={target.app: {}})
    return AppContext(app=target.app, namespace=target.namespace, stack=stack, settings=settings, spec=spec,
                      rollout_key=rollout_key, labels=common_labels(target.app, stack))


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    target: KubernetesTarget
    spec: PostgresSpec
    mode: Literal["in-cluster", "operator"] = "in-cluster"


def postgres(name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> Postgres:
    """PostgreSQL (`appstack:kubernetes:Postgres`): outputs host, port, database, user, password, url."""
    ctx = _context(args.target, AppSpec(name=args.target.app, database=args.spec))
    return Postgres(name, PostgresArgs(ctx, args.spec, args.mode), opts)


@dataclass(frozen=True)
class RedisCacheArgs:
    target: KubernetesTarget
    spec: RedisSpec


def redis(name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None) -> Redis:
    """Redis (`appstack:kubernetes:Redis`) with a generated password: outputs host, port, password, url."""
    ctx = _context(args.target, AppSpec(name=args.target.app, cache=args.spec))
    return Redis(name, RedisArgs(ctx, args.spec), opts)


@dataclass(frozen=True)
class WebServiceArgs:
    target: KubernetesTarget
    service: str  # the Deployment, Service and ServiceAccount name in the namespace
    image: ImageSpec  # pinned: a repository with a tag or digest
    spec: ServiceSpec  # its `image` is ignored: the one above is used
    # Values that reach the container through the workload's Secret (never plain env), e.g. a database URL.
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class WebService:
    workload: Workload  # appstack:kubernetes:Workload (Deployment, ServiceAccount, env Secret)
    exposure: ServiceExposure  # appstack:kubernetes:ServiceExposure (a ClusterIP Service): host, port


def web_service(name: str, args: WebServiceArgs, opts: pulumi.ResourceOptions | None = None) -> WebService:
    """A service's pods and its ClusterIP Service; route traffic to `exposure.host:port` your own way."""
    env = {**args.spec.env, **{key: f"${{secrets.{key}}}" for key in args.secret_env}}
    refuse_sidecars(args.spec)
    service = args.spec.model_copy(update={"image": "app", "env": env})
    spec = AppSpec(name=args.target.app, images={"app": args.image}, services={args.service: service},
                   secrets={key: {"source": "provided"} for key in args.secret_env})
    ctx = _context(args.target, spec, rollout_key=pulumi.Output.secret(f"{args.target.app}-{args.service}"))
    values = {f"secrets.{key}": pulumi.Output.secret(value) for key, value in args.secret_env.items()}
    workload = Workload(name, WorkloadArgs(ctx, args.service, service, values, present_secrets=list(args.secret_env)),
                        opts)
    exposure = ServiceExposure(name, ServiceExposureArgs(ctx, args.service, service), opts)
    return WebService(workload, exposure)
