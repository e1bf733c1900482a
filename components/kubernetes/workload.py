"""Workload: one service or worker as a ServiceAccount, an env Secret and a Deployment (or StatefulSet).

A service with persistent volumes (SQLite, uploads) runs as a StatefulSet whose claims outlive it;
every other service and every worker runs as a Deployment (a singleton's with the Recreate strategy,
so a rollout never runs two). When an autoscaler owns the replica count, the Deployment leaves
spec.replicas unset so `pulumi up` never fights the HPA.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ServiceSpec, WorkerSpec

from .common import SCRAPE_ONLY, TYPE_PREFIX, AppContext, child, image_reference, store_client_labels, volume_claim
from .pod import PodArgs, pod_template, probes, resources, spread
from .rollout import rollout_budget
from .secrets import ENV_CHECKSUM_ANNOTATION, container_env, env_checksum, secret_object
from .sidecars import sidecar_containers
from .storage import StorageAccess

PORT_NAMES = {"http": "http", "grpc": "grpc", "tcp": "tcp"}


@dataclass(frozen=True)
class WorkloadArgs:
    ctx: AppContext
    name: str  # the spec's service or worker name: also the object names in the namespace
    spec: ServiceSpec | WorkerSpec
    values: Mapping[str, pulumi.Input[str]]  # binding values (${postgres.url}, ...)
    present_secrets: Collection[str]
    storage: StorageAccess | None = None  # object storage access, only for workloads that bind a bucket
    ca_files: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (volume, mount)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


def container_ports(spec: ServiceSpec | WorkerSpec) -> list[dict[str, Any]]:
    if not isinstance(spec, ServiceSpec):
        return []
    ports = [{"name": PORT_NAMES[spec.protocol], "containerPort": spec.port, "protocol": "TCP"}]
    if spec.metrics and spec.metrics.port and spec.metrics.port != spec.port:
        ports.append({"name": "metrics", "containerPort": spec.metrics.port, "protocol": "TCP"})
    return ports


class Workload(pulumi.ComponentResource):
    """Outputs: `kind` (Deployment or StatefulSet), `object_name`, `controller` (the workload resource)."""

    def __init__(self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Workload", name, None, opts)
        ctx, spec = args.ctx, args.spec
        is_service = isinstance(spec, ServiceSpec)
        stateful = is_service and bool(spec.volumes)
        scrape_only = is_service and spec.scrape_only
        selector = ctx.selector(args.name)

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=ctx.meta(args.name, annotations=args.storage.annotations if args.storage else None),
            automount_service_account_token=False,
            opts=child(self),
        )
        env = container_env(ctx, spec, args.values, args.present_secrets, f"{args.name}-env",
                            args.storage.env if args.storage else [])
        sidecars = sidecar_containers(ctx, spec, args.values, args.present_secrets, f"{args.name}-env",
                                      {v["name"] for v, _ in args.ca_files} | set(getattr(spec, "volumes", {})))
        secret_data = {**env.secret_data, **sidecars.secret_data}
        self.env_secret = (
            secret_object(f"{name}-env", ctx, f"{args.name}-env", secret_data, child(self))
            if secret_data else None
        )
        volumes = [v for v, _ in args.ca_files] + sidecars.volumes
        mounts = [m for _, m in args.ca_files]
        claims = []
        if stateful:
            for volume_name, volume in sorted(spec.volumes.items()):
                mounts.append({"name": volume_name, "mountPath": volume.mount_path})
                claims.append(volume_claim(volume_name, volume.size_gb, ctx))
        pod_probes = probes(spec, spec.port if is_service else None)
        budget = rollout_budget(pod_probes, spec.max_replicas)
        template = pod_template(ctx, PodArgs(
            name=args.name,
            component="service" if is_service else "worker",
            image=image_reference(ctx, spec.image),
            uid=spec.run_as_user,
            gid=spec.group,
            env=env.env,
            service_account=args.name,
            command=spec.command,
            args=spec.args,
            ports=container_ports(spec),
            probes=pod_probes,
            resources=resources(spec),
            writable_paths=spec.writable_paths,
            volumes=volumes,
            mounts=mounts,
            spread=spread(ctx, selector, rolling_hash=not stateful) if spec.max_replicas > 1 else [],
            grace_seconds=spec.stop_timeout_seconds,
            labels={**(args.storage.pod_labels if args.storage else {}), **store_client_labels(ctx.spec, spec),
                    **({SCRAPE_ONLY: "true"} if scrape_only else {})},
            egress=not scrape_only,  # an exporter reaches DNS and the stores it binds, never the internet
            annotations=(
                {ENV_CHECKSUM_ANNOTATION: env_checksum(secret_data, ctx.rollout_key)} if secret_data else {}
            ),
            user=spec.kubernetes,
            sidecars=sidecars.containers,
        ))
        deps = [self.service_account, *([self.env_secret] if self.env_secret else []), *args.depends_on]
        body: dict[str, Any] = {"selector": {"matchLabels": selector}, "template": template,
                                "revisionHistoryLimit": 5}
        if spec.autoscale is None:
            body["replicas"] = spec.replicas  # otherwise the HPA owns the count
        if stateful:
            body.update(
                serviceName=args.name,
                podManagementPolicy="OrderedReady",
                updateStrategy={"type": "RollingUpdate"},
                volumeClaimTemplates=claims,
                persistentVolumeClaimRetentionPolicy={"whenDeleted": "Retain", "whenScaled": "Retain"},
            )
            self.kind = "StatefulSet"
            # Claim templates are immutable: a size change must not replace the set (resize the PVC instead).
            self.controller: pulumi.CustomResource = k8s.apps.v1.StatefulSet(
                name,
                metadata=ctx.meta(args.name, {"app.kubernetes.io/name": args.name}, annotations=budget.annotations()),
                spec=body,
                opts=child(self, protect=ctx.protect, depends_on=deps, custom_timeouts=budget.custom_timeouts(),
                           ignore_changes=["spec.volumeClaimTemplates"]),
            )
        else:
            # A singleton never has two pods, not even for a moment: the old pod is gone before the new starts.
            body["strategy"] = {"type": "Recreate"} if spec.singleton else {
                "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
            body["progressDeadlineSeconds"] = budget.progress_deadline_seconds
            self.kind = "Deployment"
            # The provider waits for the rollout (a failed one fails `pulumi up`) as long as the probes allow.
            self.controller = k8s.apps.v1.Deployment(
                name,
                metadata=ctx.meta(args.name, {"app.kubernetes.io/name": args.name}, annotations=budget.annotations()),
                spec=body,
                opts=child(self, depends_on=deps, custom_timeouts=budget.custom_timeouts()),
            )
        self.object_name = args.name
        self.register_outputs({"kind": self.kind, "object_name": self.object_name})
