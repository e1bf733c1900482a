"""Fargate task sizes: the valid CPU/memory pairs and rounding a request up to the cheapest one."""

from __future__ import annotations

import math
from dataclasses import dataclass

from appstack.errors import ConfigError, Problem

MIB_PER_GIB = 1024


def _range_gib(low: int, high: int, step: int = 1) -> tuple[int, ...]:
    return tuple(gib * MIB_PER_GIB for gib in range(low, high + 1, step))


# CPU units (1024 = 1 vCPU) -> valid task memory in MiB (Linux, platform 1.4).
VALID_PAIRS: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _range_gib(1, 4),
    1024: _range_gib(2, 8),
    2048: _range_gib(4, 16),
    4096: _range_gib(8, 30),
    8192: _range_gib(16, 60, 4),
    16384: _range_gib(32, 120, 8),
}
MAX_CPU = max(VALID_PAIRS)
MAX_MEMORY = max(max(memories) for memories in VALID_PAIRS.values())

# On-demand list prices per hour (us-east-1), only to rank candidate pairs: vCPU and GiB.
_VCPU_HOUR = 0.04048
_GIB_HOUR = 0.004445


@dataclass(frozen=True)
class TaskSize:
    cpu: int  # CPU units
    memory: int  # MiB


def cpu_units(millicores: int) -> int:
    """ECS CPU units for Kubernetes-style millicores (1000m = 1 vCPU = 1024 units)."""
    return math.ceil(millicores * 1024 / 1000)


def fargate_size(cpu: int, memory: int, *, path: str = "") -> TaskSize:
    """The cheapest valid Fargate pair with at least `cpu` units and `memory` MiB; ConfigError when none fits."""
    candidates = [
        TaskSize(task_cpu, task_memory)
        for task_cpu, memories in VALID_PAIRS.items()
        for task_memory in memories
        if task_cpu >= cpu and task_memory >= memory
    ]
    if not candidates:
        raise ConfigError(
            [
                Problem(
                    path,
                    f"needs {cpu} CPU units and {memory} MiB, more than the largest Fargate task "
                    f"({MAX_CPU} CPU units, {MAX_MEMORY} MiB at that size); lower its resources limits",
                )
            ]
        )
    return min(candidates, key=lambda s: (s.cpu / 1024 * _VCPU_HOUR + s.memory / 1024 * _GIB_HOUR, s.cpu))
