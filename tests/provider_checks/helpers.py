"""Planned resources built by hand, to feed the provider checks one bad input at a time."""

from __future__ import annotations

from typing import Any

from appstack.provider_checks import Finding, check_resources
from appstack.synth import PlanResource

PARENT = "urn:pulumi:test::appstack::appstack:app:Application::app"


def planned(type_token: str, name: str, inputs: dict[str, Any], *, parent: str | None = PARENT) -> PlanResource:
    urn = f"urn:pulumi:test::appstack::appstack:app:Application${type_token}::{name}"
    return PlanResource(urn=urn, type=type_token, name=name, custom=True, parent=parent, inputs=inputs,
                        dependencies=[], options={})


def kubernetes_object(api_version: str, kind: str, name: str, namespace: str | None = "dev-app",
                      **fields: Any) -> PlanResource:
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}
    return planned(f"kubernetes:{group_version}:{kind}", f"{namespace}-{name}", obj)


def findings_for(*resources: PlanResource) -> list[Finding]:
    return check_resources(list(resources))


def messages(*resources: PlanResource) -> list[str]:
    return [f"{f.path}: {f.message}" for f in findings_for(*resources)]
