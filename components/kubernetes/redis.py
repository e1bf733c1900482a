"""Redis: an app's in-cluster Redis, a single-instance StatefulSet of the official image.

Persistence follows the spec (aof: append-only file fsynced every second; rdb: snapshots; none: no
volume). The password is generated and kept in a Secret: the server reads it from a config file
mounted from that Secret (never a command-line flag), probes authenticate through REDISCLI_AUTH.
maxmemory and its eviction policy come from the spec. External caches are the app's provided URL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from appstack.components.generated import from_config, random_hex

from appstack.spec import RedisSpec

from .common import DATA_STORE_UID, REDIS_IMAGES, TYPE_PREFIX, AppContext, child, volume_claim
from .network_policy import DataStoreAccess
from .pod import PodArgs, pod_template, secret_env
from .rollout import rollout_budget
from .secrets import secret_object

PASSWORD_BYTES = 24  # 48 hex characters: URL-safe, 192 bits
PORT = 6379
NAME = "redis"
SECRET = "redis-auth"
SNAPSHOTS = "3600 1 300 100 60 10000"


@dataclass(frozen=True)
class RedisArgs:
    ctx: AppContext
    spec: RedisSpec


def server_args(spec: RedisSpec) -> list[str]:
    args = ["/etc/redis/auth.conf", "--port", str(PORT), "--dir", "/data", "--protected-mode", "no"]
    if spec.persistence == "aof":
        args += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", SNAPSHOTS]
    elif spec.persistence == "rdb":
        args += ["--appendonly", "no", "--save", SNAPSHOTS]
    else:
        args += ["--appendonly", "no", "--save", ""]
    if spec.maxmemory_mb:
        args += ["--maxmemory", f"{spec.maxmemory_mb}mb"]
    args += ["--maxmemory-policy", spec.maxmemory_policy]
    return args


def memory_quantities(spec: RedisSpec) -> tuple[str, str]:
    """Request covers maxmemory plus overhead; the limit leaves room for the copy-on-write of a rewrite."""
    if not spec.maxmemory_mb:
        return "256Mi", "1024Mi"
    return f"{spec.maxmemory_mb + 128}Mi", f"{math.ceil(spec.maxmemory_mb * 1.5) + 128}Mi"


def image_for(ctx: AppContext, spec: RedisSpec) -> str:
    return ctx.k8s.redis_image or REDIS_IMAGES[spec.version.split(".")[0]]


class Redis(pulumi.ComponentResource):
    """Outputs: `host`, `port`, `tls` (plain) and `password`, `url` (secrets); `access`, `ready`."""

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Redis", name, None, opts)
        ctx, spec = args.ctx, args.spec
        self.password = random_hex(f"{name}-password", PASSWORD_BYTES, child(self, protect=ctx.protect),
                                   config=from_config(ctx.settings.generated_secrets))
        self.auth = secret_object(
            f"{name}-auth", ctx, SECRET,
            {"password": self.password,
             "auth.conf": pulumi.Output.concat("requirepass ", self.password, "\n")},
            child(self, protect=ctx.protect),
        )
        selector = ctx.selector(NAME)
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=ctx.meta(NAME),
            spec={"clusterIP": "None", "selector": selector,
                  "ports": [{"name": "redis", "port": PORT, "targetPort": "redis", "protocol": "TCP"}]},
            opts=child(self),
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=ctx.meta(NAME), automount_service_account_token=False, opts=child(self))
        persistent = spec.persistence != "none"
        request, limit = memory_quantities(spec)
        ping = {"exec": {"command": ["sh", "-c", "redis-cli -p 6379 ping | grep -q PONG"]}}
        volumes: list[dict[str, Any]] = [{"name": "auth", "secret": {
            "secretName": SECRET, "defaultMode": 0o440, "items": [{"key": "auth.conf", "path": "auth.conf"}]}}]
        if not persistent:
            volumes.append({"name": "data", "emptyDir": {"sizeLimit": "1Gi"}})
        pod_probes = {
            "startupProbe": {"tcpSocket": {"port": PORT}, "periodSeconds": 5, "failureThreshold": 60},
            "readinessProbe": {**ping, "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3},
            "livenessProbe": {"tcpSocket": {"port": PORT}, "periodSeconds": 20, "failureThreshold": 6},
        }
        budget = rollout_budget(pod_probes, 1)  # loading a large AOF file may use the whole startup window
        template = pod_template(ctx, PodArgs(
            name=NAME,
            component="cache",
            image=image_for(ctx, spec),
            uid=DATA_STORE_UID,
            gid=DATA_STORE_UID,
            env=[secret_env("REDISCLI_AUTH", SECRET, "password")],
            service_account=NAME,
            command=["redis-server"],
            args=server_args(spec),
            ports=[{"name": "redis", "containerPort": PORT, "protocol": "TCP"}],
            probes=pod_probes,
            resources={"requests": {"cpu": "100m" if not ctx.prod else "250m", "memory": request},
                       "limits": {"memory": limit}},
            volumes=volumes,
            mounts=[{"name": "data", "mountPath": "/data"},
                    {"name": "auth", "mountPath": "/etc/redis", "readOnly": True}],
            egress=False,
        ))
        body: dict[str, Any] = {
            "replicas": 1,
            "serviceName": NAME,
            "selector": {"matchLabels": selector},
            "template": template,
            "updateStrategy": {"type": "RollingUpdate"},
        }
        if persistent:
            size_gb = max(1, math.ceil((spec.maxmemory_mb or 512) * 2 / 1024))
            body["volumeClaimTemplates"] = [volume_claim("data", size_gb, ctx)]
            body["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Retain", "whenScaled": "Retain"}
        self.stateful_set = k8s.apps.v1.StatefulSet(
            name,
            metadata=ctx.meta(NAME, annotations=budget.annotations()),
            spec=body,
            opts=child(self, protect=ctx.protect and persistent, ignore_changes=["spec.volumeClaimTemplates"],
                       custom_timeouts=budget.custom_timeouts(),
                       depends_on=[self.auth, self.service, self.service_account]),
        )
        self.host = f"{NAME}.{ctx.namespace}.svc.cluster.local"
        self.port = str(PORT)
        self.tls = "false"
        self.url = pulumi.Output.secret(pulumi.Output.concat("redis://:", self.password, "@", self.host, ":",
                                                             self.port, "/0"))
        self.access = DataStoreAccess(NAME, selector, PORT)
        self.ready: list[pulumi.Resource] = [self.stateful_set]
        self.register_outputs({"host": self.host, "port": self.port, "tls": self.tls, "url": self.url})
