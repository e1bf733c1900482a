"""Pod templates meeting the Pod Security `restricted` profile, built from a workload's spec (no resources here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from appstack.naming import disambiguate
from appstack.spec import ProbeSpec
from appstack.spec.kubernetes import PodKubernetesSpec
from appstack.spec.workloads import ContainerSpec, LongRunningSpec

from .common import AppContext, slug

RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
DERIVED_STARTUP_PERIOD = 5
DERIVED_STARTUP_FAILURES = 36  # three minutes to start before liveness takes over


def container_security(uid: int, gid: int) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": gid,
        "seccompProfile": RUNTIME_DEFAULT,
    }


def pod_security(uid: int, gid: int) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": gid,
        "fsGroup": gid,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": RUNTIME_DEFAULT,
    }


def probe(spec: ProbeSpec, default_port: int | None) -> dict[str, Any]:
    port = spec.port or default_port
    handler: dict[str, Any]
    if spec.kind == "http":
        handler = {"httpGet": {"path": spec.http, "port": port, "scheme": "HTTP"}}
    elif spec.kind == "grpc":
        handler = {"grpc": {"port": port}}
    elif spec.kind == "tcp":
        handler = {"tcpSocket": {"port": port}}
    else:
        handler = {"exec": {"command": list(spec.command or [])}}
    return {
        **handler,
        "initialDelaySeconds": spec.initial_delay_seconds,
        "periodSeconds": spec.period_seconds,
        "timeoutSeconds": spec.timeout_seconds,
        "failureThreshold": spec.failure_threshold,
    }


def probes(spec: LongRunningSpec, port: int | None) -> dict[str, Any]:
    """livenessProbe/readinessProbe/startupProbe from the spec; without a startup check, the liveness
    check doubles as one with a longer budget so slow starts are not killed."""
    out = {f"{kind}Probe": probe(p, port) for kind, p in spec.health.probes().items()}
    if "startupProbe" not in out and spec.health.liveness is not None:
        startup = probe(spec.health.liveness, port)
        startup.update(initialDelaySeconds=0, periodSeconds=DERIVED_STARTUP_PERIOD,
                       failureThreshold=DERIVED_STARTUP_FAILURES)
        out["startupProbe"] = startup
    return out


def resources(spec: ContainerSpec) -> dict[str, Any]:
    limits = {"memory": spec.resources.limits.memory}
    if spec.resources.limits.cpu:
        limits["cpu"] = spec.resources.limits.cpu
    return {"requests": {"cpu": spec.resources.requests.cpu, "memory": spec.resources.requests.memory},
            "limits": limits}


def writable_volumes(
    paths: list[str], skip: set[str] | None = None, taken: set[str] | None = None
) -> tuple[list[dict], list[dict]]:
    """emptyDir volumes (and their mounts) for the paths a read-only root filesystem must keep writable.

    Paths whose names would coincide (/a-b and /a/b), or take a name in `taken`, get distinct names.
    """
    volumes, mounts = [], []
    chosen = sorted(set(paths) - (skip or set()))
    names = disambiguate({path: f"w-{slug(path, 40)}" for path in chosen}, 63, taken or set())
    for path in chosen:
        name = names[path]
        volumes.append({"name": name, "emptyDir": {"sizeLimit": "1Gi"}})
        mounts.append({"name": name, "mountPath": path})
    return volumes, mounts


def spread(ctx: AppContext, selector: dict[str, str], *, rolling_hash: bool) -> list[dict[str, Any]]:
    """Spread replicas across zones (best effort) and nodes (required in highly available tiers).

    `nodeTaintsPolicy: Honor` leaves nodes the pods cannot run on (a tainted control plane, a
    dedicated pool) out of the skew: with the default (Ignore) such a node counts as an empty domain,
    and a required node spread then refuses any replica beyond one per schedulable node.
    """
    constraints = []
    for key, required in (("topology.kubernetes.io/zone", False),
                          ("kubernetes.io/hostname", ctx.defaults.high_availability)):
        constraint: dict[str, Any] = {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "DoNotSchedule" if required else "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(selector)},
            "nodeTaintsPolicy": "Honor",
        }
        if rolling_hash:
            constraint["matchLabelKeys"] = ["pod-template-hash"]
        constraints.append(constraint)
    return constraints


@dataclass
class PodArgs:
    """Everything that differs between the pods of services, workers, jobs and backups."""

    name: str
    component: str
    image: str
    uid: int
    gid: int
    env: list[dict[str, Any]]
    service_account: str
    command: list[str] | None = None
    args: list[str] | None = None
    ports: list[dict[str, Any]] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    writable_paths: list[str] = field(default_factory=lambda: ["/tmp"])
    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    egress: bool = True
    spread: list[dict[str, Any]] = field(default_factory=list)
    grace_seconds: int = 30
    restart_policy: str | None = None
    affinity: dict[str, Any] | None = None
    init_containers: list[dict[str, Any]] = field(default_factory=list)
    annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # extra pod labels that network policies select
    # The spec's `kubernetes` settings: the user's pod labels and annotations (appstack's own keys are
    # refused by the spec, and win here anyway), nodeSelector, tolerations and affinity.
    user: PodKubernetesSpec | None = None
    sidecars: list[dict[str, Any]] = field(default_factory=list)  # native sidecars (initContainers)


def sandboxed_container(
    name: str, image: str, user: tuple[int, int], resources: dict[str, Any], mounts: list[dict[str, Any]], *,
    command: list[str] | None = None, args: list[str] | None = None, env: list[dict[str, Any]] | None = None,
    ports: list[dict[str, Any]] | None = None, **extra: Any,
) -> dict[str, Any]:
    """One container in the restricted sandbox (`user`: uid, gid); `extra` holds probes or a restartPolicy."""
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "securityContext": container_security(*user),
        "resources": resources,
        "volumeMounts": mounts,
        **extra,
    }
    for key, value in (("command", command), ("args", args), ("env", env), ("ports", ports)):
        if value:
            container[key] = list(value)
    return container


def pod_template(ctx: AppContext, args: PodArgs) -> dict[str, Any]:
    skip = {m["mountPath"] for m in args.mounts}
    scratch_volumes, scratch_mounts = writable_volumes(
        args.writable_paths, skip, {m["name"] for m in args.mounts} | {v["name"] for v in args.volumes}
    )
    container = sandboxed_container(
        args.name, args.image, (args.uid, args.gid), args.resources, [*args.mounts, *scratch_mounts],
        command=args.command, args=args.args, env=args.env, ports=args.ports, **args.probes)
    spec: dict[str, Any] = {
        "serviceAccountName": args.service_account,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(args.uid, args.gid),
        "terminationGracePeriodSeconds": args.grace_seconds,
        "containers": [container],
        "volumes": [*args.volumes, *scratch_volumes],
    }
    if args.init_containers or args.sidecars:
        spec["initContainers"] = [*args.init_containers, *args.sidecars]
    if args.spread:
        spec["topologySpreadConstraints"] = args.spread
    if args.restart_policy:
        spec["restartPolicy"] = args.restart_policy
    if args.affinity:
        spec["affinity"] = args.affinity
    user = args.user
    if user is not None:
        # Topology spread stays: a user's affinity and node selector narrow where it spreads.
        spec.update(user.scheduling())
    labels = {**(user.pod.labels if user else {}), **ctx.pod_labels(args.name, args.component, egress=args.egress),
              **args.labels}
    metadata: dict[str, Any] = {"labels": labels}
    annotations = {**(user.pod.annotations if user else {}), **args.annotations}
    if annotations:
        metadata["annotations"] = annotations
    return {"metadata": metadata, "spec": spec}


def secret_env(name: str, secret: str, key: str | None = None) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key or name}}}


def plain_env(name: str, value: pulumi.Input[str]) -> dict[str, Any]:
    return {"name": name, "value": value}
