"""What every Kubernetes component of an app shares: names, labels, the app context and small helpers.

Object names inside an app's namespace are fixed (derived from the spec, never random), so offline
plans are byte-identical between runs and objects can reference each other by name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from appstack import images as pinned
from appstack.naming import kubernetes as naming
from appstack.spec import AppSpec
from appstack.stackconfig import KubernetesSettings, StackSettings, TierDefaults

TYPE_PREFIX = "appstack:kubernetes"
MANAGED_BY = "pulumi"
PART_OF = "app.kubernetes.io/part-of"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
BACKUP_EGRESS = "appstack.dev/backup-egress"  # backup pods that may reach the object store only
EXTERNAL_EGRESS = "appstack.dev/external-egress"  # pods that may open connections outside the cluster
SCRAPE_ONLY = "appstack.dev/scrape-only"  # pods of a metrics.scrape_only service: reached by monitoring only

# Pinned images of the data stores (official Docker Hub images; Debian variants run as uid 999), by
# digest where appstack.images could verify one.
POSTGRES_IMAGES = {major: image.reference for major, image in pinned.POSTGRES.items()}
CNPG_IMAGES = {major: image.reference for major, image in pinned.CNPG.items()}
REDIS_IMAGES = {major: image.reference for major, image in pinned.REDIS.items()}
DATA_STORE_UID = 999  # the postgres and redis users of the official Debian images


@dataclass(frozen=True)
class AppContext:
    """The parts of an app deployment every component needs; built once by KubernetesApp."""

    app: str
    namespace: str
    stack: str
    settings: StackSettings
    spec: AppSpec
    rollout_key: pulumi.Input[str]  # keys the secret-env digests on pod templates (secret)
    labels: dict[str, str] = field(default_factory=dict)
    namespace_ref: pulumi.Input[str] | None = None  # the Namespace's name output: objects wait for it

    @property
    def k8s(self) -> KubernetesSettings:
        return self.settings.kubernetes

    @property
    def defaults(self) -> TierDefaults:
        return self.settings.defaults

    @property
    def protect(self) -> bool:
        return self.defaults.protect_stateful

    @property
    def prod(self) -> bool:
        return self.settings.tier == "prod"

    def meta(self, name: str, labels: Mapping[str, str] | None = None, **extra: Any) -> dict[str, Any]:
        namespace = self.namespace_ref if self.namespace_ref is not None else self.namespace
        metadata: dict[str, Any] = {"name": name, "namespace": namespace,
                                    "labels": {**self.labels, **(labels or {})}}
        metadata.update({k: v for k, v in extra.items() if v})
        return metadata

    def selector(self, name: str) -> dict[str, str]:
        return {PART_OF: self.app, NAME: name}

    def pod_labels(self, name: str, component: str, *, egress: bool) -> dict[str, str]:
        labels = {**self.labels, **self.selector(name), COMPONENT: component}
        if egress:
            labels[EXTERNAL_EGRESS] = "true"
        return labels


def store_client(store: str) -> str:
    """The pod label that lets a pod reach one data store (postgres, redis) and nothing else of the app's."""
    return f"appstack.dev/{store}-client"


def store_client_labels(spec: AppSpec, container: Any) -> dict[str, str]:
    """Client labels of the stores a workload's env (after app_env) references: a pod that binds only
    Redis never reaches PostgreSQL, and one that binds neither reaches no data store."""
    from appstack.spec import PostgresSpec, RedisSpec, references

    refs = {ref.split(".")[0] for t in spec.env_for(container).values() for ref in references(t)}
    stores = []
    if isinstance(spec.database, PostgresSpec) and refs & {"postgres", "database"}:
        stores.append("postgres")
    if isinstance(spec.cache, RedisSpec) and "redis" in refs:
        stores.append("redis")
    return {store_client(s): "true" for s in stores}


def common_labels(app: str, stack: str) -> dict[str, str]:
    return {PART_OF: app, "app.kubernetes.io/managed-by": MANAGED_BY, "appstack.dev/stack": naming.label_value(stack)}


def slug(text: str, limit: int = 50) -> str:
    """A DNS-label fragment of any text ('/app/.next/cache' -> 'app-next-cache')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "root"


def short_hash(*parts: Any, length: int = 8) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:length]


def image_reference(ctx: AppContext, image_name: str) -> str:
    """The pinned reference of one of the app's images (built images live in the configured registry)."""
    image = ctx.spec.images[image_name]
    if image.repository:
        return image.reference
    registry = ctx.k8s.image_registry
    ref = f"{registry}/{ctx.app}-{image_name}" if registry else f"{ctx.app}-{image_name}"
    if image.tag:
        ref += f":{image.tag}"
    if image.digest:
        ref += f"@{image.digest}"
    return ref


def child(parent: pulumi.Resource, *, protect: bool = False, depends_on: list[pulumi.Resource] | None = None,
          **kwargs: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, protect=protect, depends_on=depends_on or [], **kwargs)


def storage_class(ctx: AppContext) -> dict[str, str]:
    return {"storageClassName": ctx.k8s.storage_class} if ctx.k8s.storage_class else {}


def volume_claim(name: str, size_gb: int, ctx: AppContext) -> dict[str, Any]:
    """A volumeClaimTemplate (or PVC spec body) of one ReadWriteOnce volume."""
    return {
        "metadata": {"name": name, "labels": dict(ctx.labels)},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{size_gb}Gi"}},
                 **storage_class(ctx)},
    }


TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"  # how long the provider waits for readiness
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"  # what readiness means for a custom resource


def await_timeout(seconds: int) -> dict[str, str]:
    """Annotations raising the Kubernetes provider's readiness wait (10 minutes by default)."""
    return {TIMEOUT_ANNOTATION: str(seconds)}


def cnpg_schedule(cron: str) -> str:
    """CloudNativePG schedules carry a leading seconds field."""
    return f"0 {cron}"
