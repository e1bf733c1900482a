"""Every Kubernetes object of the dev and production-on-Kubernetes stacks, all five systems, is valid:
built-in kinds against the official OpenAPI schemas (strict: unknown fields rejected) of the oldest
and newest supported Kubernetes releases; custom resources against their documented fields."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import synth_stack

from .schemas import K8S_VERSIONS, is_custom, kubernetes_objects, manifest, validate_builtin, validate_custom

STACKS = ("dev", "prod-k8s")
SYSTEMS = {"small-squaretable", "claude-relay", "sparkle", "elizabeth", "zmage"}


@pytest.mark.parametrize("stack", STACKS)
def test_every_builtin_object_validates_strictly(stack):
    objects = [manifest(r) for r in kubernetes_objects(synth_stack(stack).resources)]
    builtin = [o for o in objects if not is_custom(o)]
    assert len(builtin) > 100
    problems = []
    for version in K8S_VERSIONS:
        for obj in builtin:
            problems += [f"{version} {obj['kind']}/{obj['metadata']['name']}: {p}" for p in validate_builtin(obj, version)]
    assert problems == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_custom_resource_matches_its_documented_fields(stack):
    custom = [manifest(r) for r in kubernetes_objects(synth_stack(stack).resources) if is_custom(manifest(r))]
    assert custom, "each stack issues certificates"
    problems = [f"{o['kind']}/{o['metadata']['name']}: {p}" for o in custom for p in validate_custom(o)]
    assert problems == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_object_kind_is_known_and_namespaced_objects_live_in_app_namespaces(stack):
    synthesis = synth_stack(stack)
    prefix = synthesis.resources and ("dev-" if stack == "dev" else "prod-")
    # prod-k8s installs kube-prometheus-stack into its own `monitoring` namespace (PSA labels, policies).
    namespaces = {f"{prefix}{app}" for app in SYSTEMS} | ({"monitoring"} if stack == "prod-k8s" else set())
    kinds = Counter()
    for resource in kubernetes_objects(synthesis.resources):
        obj = manifest(resource)
        kinds[obj["kind"]] += 1
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] in namespaces
        else:
            assert obj["metadata"]["namespace"] in namespaces, resource.name
    assert kinds["Namespace"] == len(namespaces)


def test_prod_stack_uses_the_operator_and_observability():
    kinds = Counter(manifest(r)["kind"] for r in kubernetes_objects(synth_stack("prod-k8s").resources))
    assert kinds["Cluster"] == 4  # every app with engine: postgres (Elizabeth keeps SQLite)
    assert kinds["ScheduledBackup"] == 4
    assert kinds["ServiceMonitor"] == 8  # services that declare metrics (three of them exporters)
    assert kinds["PrometheusRule"] == 4  # Elizabeth's guide defines no alerts
    assert len(synth_stack("prod-k8s").by_type("kubernetes:helm.sh/v3:Release")) == 1
