"""Sidecars of a service or worker as native sidecar containers, and the pod's Kubernetes-only settings.

A sidecar is an init container with `restartPolicy: Always` (Kubernetes' native sidecars, on by default
since 1.29; appstack's floor is 1.30): it starts before the main container, is restarted on its own and
is stopped after it. Each meets the restricted profile exactly as the main container does
(container_security) and has its own emptyDir volumes for its writable paths, so it shares no scratch
space with the main container. Its secret env entries reach it by secretKeyRef into the workload's env
Secret, under keys `<sidecar>.<NAME>`, so the pod-template digest rolls the pods when one changes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from appstack.naming import disambiguate
from appstack.spec.workloads import LongRunningSpec

from .common import AppContext, image_reference, slug
from .pod import probe, resources, sandboxed_container
from .secrets import container_env

# Containers share the pod's network namespace: the restricted profile allows TCP and UDP ports only.
PROTOCOLS = {"tcp": "TCP", "udp": "UDP"}


@dataclass
class Sidecars:
    containers: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    secret_data: dict[str, pulumi.Output[str]] = field(default_factory=dict)


def sidecar_containers(
    ctx: AppContext,
    spec: LongRunningSpec,
    values: Mapping[str, pulumi.Input[str]],
    present_secrets: Collection[str],
    secret_name: str,
    taken: Collection[str] = (),
) -> Sidecars:
    """`taken`: volume names the pod already has (the main container's scratch volumes avoid the sidecars')."""
    out = Sidecars()
    paths = {f"{name}:{path}": f"{name}-{slug(path, 30)}"
             for name, sidecar in spec.sidecars.items() for path in sidecar.writable_paths}
    volume_names = disambiguate(paths, 63, set(taken))
    for name, sidecar in sorted(spec.sidecars.items()):
        env = container_env(ctx, sidecar, values, present_secrets, secret_name, key_prefix=f"{name}.")  # type: ignore[arg-type]
        out.secret_data.update(env.secret_data)
        mounts = []
        for path in sorted(set(sidecar.writable_paths)):
            volume = volume_names[f"{name}:{path}"]
            out.volumes.append({"name": volume, "emptyDir": {"sizeLimit": "1Gi"}})
            mounts.append({"name": volume, "mountPath": path})
        extra: dict[str, Any] = {"restartPolicy": "Always"}
        if sidecar.health is not None:
            extra["livenessProbe"] = probe(sidecar.health, None)
        out.containers.append(sandboxed_container(
            name, image_reference(ctx, sidecar.image), (sidecar.run_as_user, sidecar.group),
            resources(sidecar), mounts, command=sidecar.command, args=sidecar.args, env=env.env,  # type: ignore[arg-type]
            ports=[{"name": p.name, "containerPort": p.port, "protocol": PROTOCOLS[p.protocol]} for p in sidecar.ports],
            **extra))
    return out
