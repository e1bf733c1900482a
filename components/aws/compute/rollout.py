"""How long `pulumi up` waits for an ECS rollout, so a failed one fails the deploy within a known bound.

Every service runs with the deployment circuit breaker (rollback on) and `waitForSteadyState`. The
provider (terraform-provider-aws, which pulumi-aws wraps) then follows the ECS service deployment it
started and returns an error when that deployment ends STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED
(internal/service/ecs/service.go, findDeploymentStatus): a rollback surfaces as a failed update.

The wait is bounded by customTimeouts derived from the spec. The circuit breaker fails a deployment
after `0.5 x desired tasks` failed launches, at least 3 and at most 200 (ECS API reference,
ServiceDeploymentCircuitBreaker.threshold); ECS launches the desired count at once, so that takes
ceil(threshold / desired) attempts. One attempt is task start (Fargate capacity, image pull), then the
health window (the ALB grace period plus its unhealthy checks, or the container health check); then the
rollback starts the old revision (one more attempt) and the replaced tasks drain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pulumi

from appstack.spec import ServiceSpec, WorkerSpec

from .load_balancer import target_health_check
from .task_definition import health_check

TASK_START_SECONDS = 180  # Fargate capacity, ENI attachment and image pull before any check runs
CIRCUIT_BREAKER_MIN, CIRCUIT_BREAKER_MAX = 3, 200


def circuit_breaker_threshold(desired: int) -> int:
    return max(CIRCUIT_BREAKER_MIN, min(CIRCUIT_BREAKER_MAX, math.ceil(0.5 * desired)))


@dataclass(frozen=True)
class EcsRolloutBudget:
    attempt_seconds: int  # one batch of tasks: start and health window
    attempts: int  # failed batches until the circuit breaker trips, plus the rollback's batch
    drain_seconds: int  # replaced tasks leave the target group and stop

    @property
    def timeout_seconds(self) -> int:
        return self.attempt_seconds * self.attempts + self.drain_seconds

    def custom_timeouts(self) -> pulumi.CustomTimeouts:
        wait = f"{self.timeout_seconds}s"
        return pulumi.CustomTimeouts(create=wait, update=wait)


def ecs_rollout_budget(
    container: ServiceSpec | WorkerSpec, *, grace_seconds: int | None, deregistration_delay_seconds: int
) -> EcsRolloutBudget:
    """`grace_seconds` is the service's health check grace period when it sits behind the ALB, else None
    (then the container health check, if any, decides; and no target group drains)."""
    behind_alb = grace_seconds is not None and isinstance(container, ServiceSpec)
    if behind_alb:
        check = target_health_check(container)  # type: ignore[arg-type]
        health = grace_seconds + check["interval"] * check["unhealthy_threshold"]  # type: ignore[operator]
    else:
        container_check = health_check(container)
        health = (
            container_check["startPeriod"] + container_check["interval"] * container_check["retries"]
            if container_check else 0
        )
    desired = container.max_replicas
    failed_batches = math.ceil(circuit_breaker_threshold(desired) / desired)
    return EcsRolloutBudget(
        attempt_seconds=TASK_START_SECONDS + health,
        attempts=failed_batches + 1,
        drain_seconds=(deregistration_delay_seconds if behind_alb else 0) + container.stop_timeout_seconds,
    )
