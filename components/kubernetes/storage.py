"""ObjectStorage: what the spec's buckets mean on Kubernetes, which has no bucket resource.

Buckets live in the S3-compatible store named by `kubernetes.object_storage`; the stack does not
create them. Each bucket is named <bucket_prefix><namespace>-<bucket>, so `${storage.<b>.bucket}`,
`.region`, `.endpoint` and `.public_url` resolve deterministically.

Access is least privilege: the app's workloads and its backups are two principals with credentials
of their own (never shared across apps or between the two), and only the workloads whose env binds
`${storage.*}` (and the backup jobs) receive any. With `credentials: workload-identity` (preferred) no
key exists at all: the principal is a cloud identity named on the pod's ServiceAccount (IRSA, GKE) or
associated with it (EKS Pod Identity). With `static`, the keys come from the app's own config
namespace and reach pods through secretKeyRefs only; `pulumi up` refuses a stack whose keys are unset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from appstack.naming import kubernetes as naming
from appstack.spec import AppSpec, references
from appstack.spec.workloads import ContainerSpec
from appstack.stackconfig import STATIC_STORAGE_KEYS

from .common import TYPE_PREFIX, AppContext, child
from .network_policy import STORAGE_CLIENT
from .pod import plain_env, secret_env
from .secrets import secret_object

CREDENTIALS = "object-storage-credentials"
BACKUP_CREDENTIALS = "backup-storage-credentials"
KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
CONFIG_KEYS = STATIC_STORAGE_KEYS  # config keys in the app's own namespace (<app>:<key>), per principal
# The ServiceAccount annotation naming the cloud identity (EKS Pod Identity uses associations instead).
IDENTITY_ANNOTATIONS = {"eks-irsa": "eks.amazonaws.com/role-arn", "gke": "iam.gke.io/gcp-service-account"}


@dataclass(frozen=True)
class StorageAccess:
    """What one principal's pods get: env entries, ServiceAccount annotations, the Secret behind the keys."""

    env: list[dict[str, Any]] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    secret_name: str | None = None
    identity: str | None = None  # the role ARN or service account email (workload identity)

    @property
    def pod_labels(self) -> dict[str, str]:
        return {STORAGE_CLIENT: "true"}


@dataclass(frozen=True)
class ObjectStorageArgs:
    ctx: AppContext
    backups: bool  # the app's backups go to the object store (target s3)


def bucket_name(ctx: AppContext, bucket: str) -> str:
    return naming.bucket_name(ctx.k8s.object_storage.bucket_prefix, ctx.namespace, bucket)


def binds_storage(spec: AppSpec, container: ContainerSpec) -> bool:
    """True when the workload's env (after app_env) references any of the app's buckets."""
    return any(ref.startswith("storage.") for t in spec.env_for(container).values() for ref in references(t))


def bucket_values(ctx: AppContext) -> dict[str, str]:
    storage = ctx.k8s.object_storage
    values = {}
    for name, bucket in sorted(ctx.spec.storage.items()):
        full = bucket_name(ctx, name)
        values[f"storage.{name}.bucket"] = full
        values[f"storage.{name}.region"] = storage.region
        values[f"storage.{name}.endpoint"] = storage.endpoint
        if bucket.access == "cdn":
            values[f"storage.{name}.public_url"] = f"{(storage.public_url or storage.endpoint).rstrip('/')}/{full}"
    return values


class ObjectStorage(pulumi.ComponentResource):
    """Outputs: `values` (binding values), `buckets`; `app` and `backups` (StorageAccess, or None when the
    app has no buckets / no s3 backups)."""

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ObjectStorage", name, None, opts)
        ctx = args.ctx
        self.values = bucket_values(ctx)
        self.buckets = sorted(bucket_name(ctx, b) for b in ctx.spec.storage)
        self.app: StorageAccess | None = None
        self.backups: StorageAccess | None = None
        if ctx.spec.storage:
            self.app = self._access(name, ctx, "app", [plain_env("AWS_ENDPOINT_URL_S3",
                                                                  ctx.k8s.object_storage.endpoint)])
        if args.backups:
            self.backups = self._access(f"{name}-backup", ctx, "backup", [])
        self.register_outputs({
            "buckets": self.buckets,
            "identities": {k: a.identity for k, a in (("app", self.app), ("backups", self.backups)) if a},
        })

    def _access(self, name: str, ctx: AppContext, principal: str, env: list[dict[str, Any]]) -> StorageAccess:
        storage = ctx.k8s.object_storage
        identity = storage.workload_identity
        if storage.credentials == "workload-identity" and identity is not None:
            role = identity.resolve(identity.app_role if principal == "app" else identity.backup_role,
                                    ctx.app, ctx.namespace)
            key = IDENTITY_ANNOTATIONS.get(identity.provider)
            return StorageAccess(env=env, annotations={key: role} if key else {}, identity=role)
        if storage.credentials != "static":
            return StorageAccess(env=env)
        secret = CREDENTIALS if principal == "app" else BACKUP_CREDENTIALS
        config = pulumi.Config(ctx.app)
        found = {env_name: config.get_secret(key) for env_name, key in CONFIG_KEYS[principal].items()}
        if not all(found.values()):
            # Only an offline plan gets here: it lists the unset keys with their commands, and `pulumi up`
            # refuses them before anything is registered (appstack.program.read_provided_secrets).
            return StorageAccess(env=env)
        secret_object(f"{name}-credentials", ctx, secret, found, child(self))  # type: ignore[arg-type]
        return StorageAccess(env=[*env, *(secret_env(k, secret) for k in KEYS)], secret_name=secret)
