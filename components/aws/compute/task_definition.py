"""Container definitions and Fargate task definitions built from one workload of the spec.

Secrets reach a container only through `secrets` (Secrets Manager ARNs that ECS resolves at start);
`environment` holds plain values only. The root filesystem is read-only, the declared writable
paths are tmpfs mounts owned by the container's user, and the container runs as the declared
non-root user.

Why tmpfs and not task-local (bind mount) volumes: on Fargate an empty bind mount is created
root-owned with mode 0755 (ECS developer guide, "Use bind mounts"; aws/containers-roadmap#938), so
a non-root user cannot write there unless the image declares the path as a Dockerfile VOLUME. tmpfs
mounts are supported on Fargate since January 2026 and take uid/gid/mode mount options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_aws as aws
from appstack.components.bindings import app_values, env_entries, render

from appstack.naming import aws as limits
from appstack.naming import disambiguate
from appstack.spec import AppSpec, ProbeSpec, cpu_millicores, memory_mib
from appstack.spec.workloads import ContainerSpec, LongRunningSpec, ServiceSpec, SidecarSpec

from ..contracts import AppDataRefs, FileSystemRefs
from .fargate_sizes import TaskSize, cpu_units, fargate_size
from .naming import volume_name

ECS_HEALTH_LIMITS = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
# Each writable path's tmpfs may grow to a quarter of the container's memory limit, within these bounds.
# tmpfs pages count against the container's memory: what a path holds is memory the app cannot use.
TMPFS_MIN_MIB, TMPFS_MAX_MIB = 64, 1024


def present_secrets(data: AppDataRefs) -> set[str]:
    return {key.removeprefix("secrets.") for key in data.binding_values if key.startswith("secrets.")}


def env_and_secrets(
    spec: AppSpec, workload: str, container: ContainerSpec, data: AppDataRefs, extra_values: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(environment, secrets) of one container: secret entries by ARN, plain ones rendered."""
    values: dict[str, pulumi.Input[str]] = {**app_values(spec), **data.binding_values, **extra_values}
    environment: list[dict[str, Any]] = []
    secrets: list[dict[str, Any]] = []
    for entry in env_entries(spec, container, present_secrets(data)):
        if entry.secret:
            arn = data.env_secret_arns.get((workload, entry.name))
            if arn is None:
                raise KeyError(f"the data layer holds no secret for {workload}.env.{entry.name}")
            secrets.append({"name": entry.name, "valueFrom": arn})
        else:
            environment.append({"name": entry.name, "value": render(entry.template, values)})
    return environment, secrets


def command_probe(container: ContainerSpec) -> tuple[str, ProbeSpec] | None:
    """The probe ECS runs as the container health check: the first command probe (liveness, then readiness)."""
    if not isinstance(container, LongRunningSpec):
        return None
    for kind in ("liveness", "readiness"):
        probe = getattr(container.health, kind)
        if probe is not None and probe.kind == "command":
            return kind, probe
    return None


def health_check(container: ContainerSpec) -> dict[str, Any] | None:
    """An ECS container health check (exec form, no shell) from the spec's command probe.

    The values are the spec's own; check_health_limits refuses those ECS would (never silently clamped).
    """
    found = command_probe(container)
    if found is None:
        return None
    return command_health_check(found[1], start_period(container, found[1]))


def start_period(container: ContainerSpec, probe: ProbeSpec) -> int:
    """Failures do not count until the probe's initial delay and the startup probe's budget have passed."""
    startup = container.health.startup if isinstance(container, LongRunningSpec) else None
    return probe.initial_delay_seconds + (startup.period_seconds * startup.failure_threshold if startup else 0)


def check_health_limits(container: ContainerSpec, path: str) -> list[tuple[str, str]]:
    """(field path, message) for every value of the command probe outside ECS's health check limits."""
    found = command_probe(container)
    if found is None:
        return []
    kind, probe = found
    return _outside_limits(probe, start_period(container, probe), f"{path}.health.{kind}")


def check_sidecar_health_limits(container: LongRunningSpec, path: str) -> list[tuple[str, str]]:
    """The same for each sidecar's check (`path` is the workload's)."""
    return [problem for name, sidecar in sorted(container.sidecars.items()) if sidecar.health is not None
            for problem in _outside_limits(sidecar.health, sidecar.health.initial_delay_seconds,
                                           f"{path}.sidecars.{name}.health")]


def _outside_limits(probe: ProbeSpec, start: int, path: str) -> list[tuple[str, str]]:
    values = {
        "period_seconds": ("interval", probe.period_seconds),
        "timeout_seconds": ("timeout", probe.timeout_seconds),
        "failure_threshold": ("retries", probe.failure_threshold),
        "initial_delay_seconds": ("startPeriod", start),
    }
    problems = []
    for spec_field, (ecs_field, value) in values.items():
        low, high = ECS_HEALTH_LIMITS[ecs_field]
        if not low <= value <= high:
            what = "initial delay plus the startup probe's budget" if ecs_field == "startPeriod" else "value"
            problems.append((f"{path}.{spec_field}",
                             f"ECS health checks take {ecs_field} {low}-{high}; this {what} is {value}"))
    return problems


def command_health_check(probe: ProbeSpec, start: int) -> dict[str, Any]:
    """An ECS container health check (exec form, no shell) of a command probe."""
    return {
        "command": ["CMD", *(probe.command or [])],
        "interval": probe.period_seconds,
        "timeout": probe.timeout_seconds,
        "retries": probe.failure_threshold,
        "startPeriod": start,
    }


@dataclass(frozen=True)
class Sidecar:
    """An extra container (the metrics collector) and the task resources it adds."""

    definition: Mapping[str, Any]
    memory: int  # MiB added to the task size
    cpu: int = 0  # CPU units added to the task size
    volumes: Sequence[str] = ()


@dataclass(frozen=True)
class ContainerPlan:
    """Everything the main container needs beyond the spec itself."""

    name: str
    image: pulumi.Input[str]
    log_group: pulumi.Input[str]
    region: str
    environment: list[dict[str, Any]]
    secrets: list[dict[str, Any]]
    file_systems: Mapping[str, FileSystemRefs] = field(default_factory=dict)  # volume name -> access point
    exec_enabled: bool = False


def writable_volumes(container: ContainerSpec) -> dict[str, str]:
    """Name -> path for each writable path not already on a persistent volume."""
    mounts = [v.mount_path for v in container.volumes.values()] if isinstance(container, ServiceSpec) else []
    paths = [p for p in container.writable_paths
             if not any(p == m or p.startswith(m.rstrip("/") + "/") for m in mounts)]
    # Paths whose names would coincide (/a-b and /a/b) each keep a distinct name (none is dropped).
    names = disambiguate({path: volume_name(path) for path in paths}, limits.ECS_NAME)
    return {name: path for path, name in names.items()}


def tmpfs_mount(path: str, uid: int, gid: int, size_mib: int) -> dict[str, Any]:
    """A tmpfs mount at `path` owned by uid:gid (sticky and world-writable for /tmp, private otherwise)."""
    mode = "1777" if path == "/tmp" else "0750"
    return {
        "containerPath": path,
        "size": size_mib,
        "mountOptions": ["rw", "nosuid", "nodev", f"uid={uid}", f"gid={gid}", f"mode={mode}"],
    }


def tmpfs_size(memory_limit_mib: int) -> int:
    return max(TMPFS_MIN_MIB, min(TMPFS_MAX_MIB, memory_limit_mib // 4))


def writable_tmpfs(container: ContainerSpec) -> list[dict[str, Any]]:
    """The container's writable paths as tmpfs mounts owned by its user and group."""
    size = tmpfs_size(memory_mib(container.resources.limits.memory))
    return [
        tmpfs_mount(path, container.run_as_user, container.group, size)
        for _, path in sorted(writable_volumes(container).items())
    ]


def main_container(container: ContainerSpec, plan: ContainerPlan) -> dict[str, Any]:
    resources = container.resources
    definition: dict[str, Any] = {
        "name": plan.name,
        "image": plan.image,
        "essential": True,
        "user": f"{container.run_as_user}:{container.group}",
        # ECS Exec's agent writes into the container, so it needs a writable root filesystem.
        "readonlyRootFilesystem": not plan.exec_enabled,
        "cpu": cpu_units(cpu_millicores(resources.requests.cpu)),
        "memory": memory_mib(resources.limits.memory),
        "memoryReservation": memory_mib(resources.requests.memory),
        "environment": plan.environment,
        "secrets": plan.secrets,
        "mountPoints": [],
        "linuxParameters": {"initProcessEnabled": True},
        "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": plan.log_group,
                "awslogs-region": plan.region,
                "awslogs-stream-prefix": plan.name,
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if not plan.exec_enabled:
        definition["linuxParameters"]["capabilities"] = {"drop": ["ALL"]}
    tmpfs = writable_tmpfs(container)
    if tmpfs:
        definition["linuxParameters"]["tmpfs"] = tmpfs
    if container.command:
        definition["entryPoint"] = list(container.command)
    if container.args is not None:
        definition["command"] = list(container.args)
    if isinstance(container, ServiceSpec):
        mapping: dict[str, Any] = {"name": plan.name, "containerPort": container.port, "protocol": "tcp"}
        if container.protocol in ("http", "grpc"):
            mapping["appProtocol"] = container.protocol
        definition["portMappings"] = [mapping]
        for volume, spec_volume in sorted(container.volumes.items()):
            definition["mountPoints"].append(
                {"sourceVolume": f"efs-{volume}", "containerPath": spec_volume.mount_path, "readOnly": False}
            )
    else:
        definition["portMappings"] = []
    if isinstance(container, LongRunningSpec):
        definition["stopTimeout"] = container.stop_timeout_seconds
    check = health_check(container)
    if check:
        definition["healthCheck"] = check
    return definition


def sidecar_size(sidecar: SidecarSpec) -> Sidecar:
    """What a sidecar adds to the task size: its CPU limit (else request) and its memory limit."""
    limits, requests = sidecar.resources.limits, sidecar.resources.requests
    return Sidecar(definition={}, memory=memory_mib(limits.memory),
                   cpu=cpu_units(cpu_millicores(limits.cpu or requests.cpu)))


def user_sidecar(name: str, sidecar: SidecarSpec, plan: ContainerPlan) -> Sidecar:
    """A sidecar of the spec as an extra container definition: the main container's sandbox (its own
    user, read-only root filesystem, no capabilities, tmpfs writable paths), the workload's log group
    under its own stream prefix, `essential` as the spec says, and its size added to the task's."""
    definition = main_container(sidecar, replace(plan, name=name, exec_enabled=False))  # type: ignore[arg-type]
    definition.update(
        essential=sidecar.essential,
        portMappings=[{"name": f"{name}-{p.name}", "containerPort": p.port, "protocol": p.protocol}
                      for p in sidecar.ports],
    )
    if sidecar.health is not None:
        definition["healthCheck"] = command_health_check(sidecar.health, sidecar.health.initial_delay_seconds)
    return replace(sidecar_size(sidecar), definition=definition)


def task_size(container: ContainerSpec, sidecars: Sequence[Sidecar], *, path: str) -> TaskSize:
    """Sized on the limits (CPU limit, else request; memory limit) plus every sidecar."""
    limits, requests = container.resources.limits, container.resources.requests
    cpu = cpu_units(cpu_millicores(limits.cpu or requests.cpu)) + sum(s.cpu for s in sidecars)
    memory = memory_mib(limits.memory) + sum(s.memory for s in sidecars)
    return fargate_size(cpu, memory, path=path)


@dataclass(frozen=True)
class TaskDefinitionArgs:
    family: str
    container: ContainerSpec
    plan: ContainerPlan
    size: TaskSize
    execution_role_arn: pulumi.Input[str]
    task_role_arn: pulumi.Input[str]
    cpu_architecture: str = "X86_64"
    sidecars: Sequence[Sidecar] = ()


def task_definition(name: str, args: TaskDefinitionArgs, parent: pulumi.Resource) -> aws.ecs.TaskDefinition:
    containers = [main_container(args.container, args.plan), *[dict(s.definition) for s in args.sidecars]]
    # Writable paths are tmpfs mounts of each container (linuxParameters.tmpfs), not task volumes.
    volumes: list[dict[str, Any]] = [{"name": v} for v in sorted({v for s in args.sidecars for v in s.volumes})]
    for volume, fs in sorted(args.plan.file_systems.items()):
        volumes.append(
            {
                "name": f"efs-{volume}",
                "efs_volume_configuration": {
                    "file_system_id": fs.file_system_id,
                    "transit_encryption": "ENABLED",
                    "authorization_config": {"access_point_id": fs.access_point_id, "iam": "ENABLED"},
                },
            }
        )
    return aws.ecs.TaskDefinition(
        name,
        family=args.family,
        cpu=str(args.size.cpu),
        memory=str(args.size.memory),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.cpu_architecture},
        execution_role_arn=args.execution_role_arn,
        task_role_arn=args.task_role_arn,
        container_definitions=pulumi.Output.json_dumps(containers),
        volumes=volumes,
        opts=pulumi.ResourceOptions(parent=parent),
    )
