"""The provider's readiness wait (and the Deployment's progress deadline) follow the spec's probes."""

from __future__ import annotations

import pytest
from appstack.components.kubernetes.rollout import pod_ready_seconds, probe_window, rollout_budget

from tests.conftest import synth_config, synth_stack

from .helpers import resource_of
from .schemas import manifest


@pytest.mark.parametrize(("probe", "window"), [
    (None, 0),
    ({}, 30),  # Kubernetes defaults: no delay, every 10 s, 3 failures
    ({"periodSeconds": 5, "failureThreshold": 36}, 180),
    ({"initialDelaySeconds": 600, "periodSeconds": 30, "failureThreshold": 20}, 1200),
])
def test_probe_window_is_initial_delay_plus_period_times_failures(probe, window):
    assert probe_window(probe) == window


def test_a_rollout_waits_one_pod_window_per_replica():
    probes = {"startupProbe": {"periodSeconds": 5, "failureThreshold": 36},
              "readinessProbe": {"initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3},
              "livenessProbe": {"periodSeconds": 1, "failureThreshold": 100}}  # liveness never delays readiness
    assert pod_ready_seconds(probes) == 180 + 40
    budget = rollout_budget(probes, 4)
    assert (budget.progress_deadline_seconds, budget.timeout_seconds) == (120 + 220, 4 * 340)
    assert budget.annotations() == {"pulumi.com/timeoutSeconds": "1360"}
    assert rollout_budget({}, 0).timeout_seconds == 120  # never below one pod


# (kind, namespace, name) -> (await seconds, progressDeadlineSeconds or None for StatefulSets)
DEV_ROLLOUTS = {
    ("Deployment", "dev-claude-relay", "app"): (660, 330),
    ("Deployment", "dev-zmage", "worker"): (360, 120),  # 3 replicas without probes: ready once running
    ("StatefulSet", "dev-elizabeth", "backend"): (330, None),
    ("StatefulSet", "dev-claude-relay", "postgres"): (750, None),  # startup 5 s x 120 + readiness 30 s
    ("StatefulSet", "dev-claude-relay", "redis"): (450, None),  # startup 5 s x 60 + readiness 30 s
}


@pytest.mark.parametrize("key", sorted(DEV_ROLLOUTS))
def test_dev_workloads_wait_exactly_as_long_as_their_probes_allow(key):
    kind, namespace, name = key
    wait, deadline = DEV_ROLLOUTS[key]
    resource = resource_of(synth_stack("dev"), kind, namespace, name)
    obj = manifest(resource)
    assert obj["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == str(wait)
    assert resource.options["custom_timeouts"] == {"create": f"{wait}s", "update": f"{wait}s"}
    assert obj["spec"].get("progressDeadlineSeconds") == deadline


def test_every_workload_of_the_shipped_kubernetes_stacks_has_a_derived_wait():
    for stack in ("dev", "prod-k8s"):
        for resource in synth_stack(stack).resources:
            if resource.type in ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"):
                wait = manifest(resource)["metadata"]["annotations"]["pulumi.com/timeoutSeconds"]
                assert resource.options["custom_timeouts"]["update"] == f"{wait}s", resource.name


def test_a_slow_starting_autoscaled_service_gets_a_longer_wait_than_the_provider_default():
    health = {"startup": {"http": "/health", "initial_delay_seconds": 600, "period_seconds": 30,
                          "failure_threshold": 20},
              "readiness": {"http": "/health"}}
    plan = synth_config(platform="kubernetes", apps={"zmage": {"services": {"web": {
        "health": health, "autoscale": {"min": 2, "max": 3}}}}})
    web = resource_of(plan, "Deployment", "zmage", "web")
    per_pod = 120 + 1200 + 30
    assert manifest(web)["spec"]["progressDeadlineSeconds"] == per_pod
    assert manifest(web)["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == str(3 * per_pod)
