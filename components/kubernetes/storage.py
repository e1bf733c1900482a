"""ObjectStorage: what the spec's buckets mean on Kubernetes, which has no bucket resource.

Buckets live in the S3-compatible store named by `kubernetes.object_storage`; the stack does not
create them. Each bucket is named <bucket_prefix><namespace>-<bucket>, so `${storage.<b>.bucket}`,
`.region`, `.endpoint` and `.public_url` resolve deterministically. When `credentials_config` names a
Pulumi config namespace holding `accessKeyId` and `secretAccessKey` secrets, they are copied into a
Secret and reach pods as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY through secretKeyRefs; otherwise
pods get no static credentials (use the cluster's workload identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from appstack.naming import kubernetes as naming

from .common import TYPE_PREFIX, AppContext, child
from .pod import plain_env, secret_env
from .secrets import secret_object

CREDENTIALS = "object-storage-credentials"
KEYS = {"AWS_ACCESS_KEY_ID": "accessKeyId", "AWS_SECRET_ACCESS_KEY": "secretAccessKey"}


@dataclass(frozen=True)
class ObjectStorageArgs:
    ctx: AppContext
    needs_credentials: bool  # buckets or backups to s3


def bucket_name(ctx: AppContext, bucket: str) -> str:
    return naming.bucket_name(ctx.k8s.object_storage.bucket_prefix, ctx.namespace, bucket)


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
    """Outputs: `values` (binding values), `buckets`; `env` and `secret_name` when credentials exist."""

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ObjectStorage", name, None, opts)
        ctx = args.ctx
        self.values = bucket_values(ctx)
        self.buckets = sorted(bucket_name(ctx, b) for b in ctx.spec.storage)
        self.env: list[dict[str, Any]] = []
        self.secret_name: str | None = None
        self.credentials = None
        if ctx.spec.storage:
            self.env.append(plain_env("AWS_ENDPOINT_URL_S3", ctx.k8s.object_storage.endpoint))
        namespace = ctx.k8s.object_storage.credentials_config
        if args.needs_credentials and namespace:
            config = pulumi.Config(namespace)
            found = {env: config.get_secret(key) for env, key in KEYS.items()}
            if all(found.values()):
                self.credentials = secret_object(
                    f"{name}-credentials", ctx, CREDENTIALS, found, child(self))  # type: ignore[arg-type]
                self.secret_name = CREDENTIALS
                self.env += [secret_env(env, CREDENTIALS) for env in KEYS]
            else:
                missing = ", ".join(f"{namespace}:{key}" for env, key in KEYS.items() if not found[env])
                pulumi.log.warn(f"{ctx.app}: object storage credentials not set ({missing}); "
                                "pods get no static credentials", resource=self)
        self.register_outputs({"buckets": self.buckets, "secret_name": self.secret_name})
