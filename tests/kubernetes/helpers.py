"""Lookups over synthesized stacks: Kubernetes objects as manifests, by kind, namespace and name."""

from __future__ import annotations

from typing import Any

from appstack.synth import PlanResource, Synthesis

from .schemas import kubernetes_objects, manifest


def objects(synthesis: Synthesis, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
    found = []
    for resource in kubernetes_objects(synthesis.resources):
        obj = manifest(resource)
        if obj["kind"] == kind and (namespace is None or obj["metadata"].get("namespace") == namespace
                                    or (kind == "Namespace" and obj["metadata"]["name"] == namespace)):
            found.append(obj)
    return found


def resource_of(synthesis: Synthesis, kind: str, namespace: str, name: str) -> PlanResource:
    matches = [r for r in kubernetes_objects(synthesis.resources)
               if manifest(r)["kind"] == kind and manifest(r)["metadata"]["name"] == name
               and manifest(r)["metadata"].get("namespace") == namespace]
    assert len(matches) == 1, f"{len(matches)} {kind} {namespace}/{name}"
    return matches[0]


def one(synthesis: Synthesis, kind: str, namespace: str, name: str) -> dict[str, Any]:
    return manifest(resource_of(synthesis, kind, namespace, name))


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(obj)
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")


def spec_jobs(synthesis: Synthesis, namespace: str) -> list[dict[str, Any]]:
    """The Jobs of the spec's own `jobs`, without the platform's db-bootstrap Job."""
    return [o for o in objects(synthesis, "Job", namespace) if o["metadata"]["labels"]["appstack.dev/job"] != "db-bootstrap"]
