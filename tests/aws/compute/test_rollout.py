"""A failed ECS rollout fails `pulumi up`: services wait for steady state, within a bound from the spec."""

from __future__ import annotations

import pytest
from appstack.components.aws.compute.rollout import circuit_breaker_threshold, ecs_rollout_budget

from appstack.spec import ServiceSpec, WorkerSpec
from tests.conftest import synth_stack

from .harness import synth_app

SERVICE = "aws:ecs/service:Service"


@pytest.mark.parametrize(("desired", "threshold"), [(1, 3), (2, 3), (6, 3), (7, 4), (10, 5), (399, 200), (1000, 200)])
def test_circuit_breaker_threshold_is_half_the_desired_count_between_3_and_200(desired, threshold):
    assert circuit_breaker_threshold(desired) == threshold


def _service(**fields) -> ServiceSpec:
    return ServiceSpec.model_validate({"image": "web", "port": 8080, "routes": [{"path": "/"}],
                                       "health": {"readiness": {"http": "/health"}}, **fields})


def test_budget_of_a_service_behind_the_load_balancer():
    budget = ecs_rollout_budget(_service(replicas=2), grace_seconds=60, deregistration_delay_seconds=30)
    # start 180 + grace 60 + 3 checks x 10 s; 2 failed batches (threshold 3 / 2 tasks) + the rollback
    assert (budget.attempt_seconds, budget.attempts, budget.drain_seconds) == (270, 3, 30 + 30)
    assert budget.timeout_seconds == 870


def test_budget_of_a_worker_follows_its_container_health_check():
    worker = WorkerSpec.model_validate({"image": "w", "replicas": 8, "stop_timeout_seconds": 60, "health": {
        "liveness": {"command": ["check"], "initial_delay_seconds": 20, "period_seconds": 15,
                     "failure_threshold": 4}}})
    budget = ecs_rollout_budget(worker, grace_seconds=None, deregistration_delay_seconds=30)
    # start 180 + startPeriod 20 + 4 x 15 s; threshold 4 fails in one batch of 8; no target group drains
    assert (budget.attempt_seconds, budget.attempts, budget.drain_seconds) == (260, 2, 60)


# ECS service -> its customTimeouts (seconds) in the shipped prod stack
PROD_SERVICES = {
    "claude-relay-app": 870, "claude-relay-postgres-exporter": 750, "elizabeth-backend": 870,
    "elizabeth-frontend": 870, "small-squaretable-app": 600, "sparkle-backend": 1140, "sparkle-gateway": 870,
    "sparkle-grpc-server": 570, "sparkle-postgres-exporter": 750, "sparkle-redis-exporter": 750,
    "zmage-web": 600, "zmage-worker": 480,
}


def test_every_prod_service_waits_for_steady_state_with_a_bounded_timeout():
    services = synth_stack("prod").by_type(SERVICE)
    assert sorted(s.name for s in services) == sorted(PROD_SERVICES)
    for service in services:
        wait = PROD_SERVICES[service.name]
        assert service.inputs["waitForSteadyState"] is True, service.name
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.options["custom_timeouts"] == {"create": f"{wait}s", "update": f"{wait}s"}, service.name


def test_opting_out_of_the_wait_drops_the_timeout_too():
    plan = synth_app("zmage", tier="dev", aws={"wait_for_steady_state": False})
    for service in plan.by_type(SERVICE):
        assert service.inputs["waitForSteadyState"] is False
        assert service.options["custom_timeouts"] is None
