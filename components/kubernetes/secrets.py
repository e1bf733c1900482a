"""Kubernetes Secret objects, and the env of a container split into plain values and secretKeyRefs.

Every env entry built from a secret attribute (appstack.components.bindings marks it) goes into the workload's
Secret and reaches the pod through a secretKeyRef; plain env holds only non-secret values.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from appstack.components.bindings import env_entries, render, secret_digest

from appstack.spec import parse_template, references
from appstack.spec.workloads import ContainerSpec

from .common import AppContext
from .pod import plain_env, secret_env


@dataclass
class ContainerEnv:
    env: list[dict[str, Any]] = field(default_factory=list)
    secret_data: dict[str, pulumi.Output[str]] = field(default_factory=dict)


def container_env(
    ctx: AppContext,
    container: ContainerSpec,
    values: Mapping[str, pulumi.Input[str]],
    present_secrets: Collection[str],
    secret_name: str,
    extra_secret_env: list[dict[str, Any]] | None = None,
    key_prefix: str = "",
) -> ContainerEnv:
    """The env of one container: the app env it takes overlaid by its own, rendered from the binding values.
    `key_prefix`: of its keys in the Secret (a sidecar's entries share its workload's Secret)."""
    result = ContainerEnv()
    taken = set()
    for entry in env_entries(ctx.spec, container, present_secrets):
        taken.add(entry.name)
        if entry.secret:
            result.secret_data[key_prefix + entry.name] = render(entry.template, values)
            result.env.append(secret_env(entry.name, secret_name, key_prefix + entry.name))
        elif references(entry.template):
            result.env.append(plain_env(entry.name, render(entry.template, values)))
        else:
            result.env.append(plain_env(entry.name, "".join(str(p) for p in parse_template(entry.template))))
    for extra in extra_secret_env or []:
        if extra["name"] not in taken:  # the spec's own value wins
            result.env.append(extra)
    return result


ENV_CHECKSUM_ANNOTATION = "appstack.io/env-secret-checksum"


def env_checksum(data: Mapping[str, pulumi.Input[str]], key: pulumi.Input[str]) -> pulumi.Output[str]:
    """The pod-template annotation value: a new secret value rolls the pods (see secret_digest)."""
    return secret_digest(data, key)


def secret_object(
    resource_name: str,
    ctx: AppContext,
    name: str,
    data: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
    *,
    secret_type: str = "Opaque",
    labels: Mapping[str, str] | None = None,
) -> k8s.core.v1.Secret:
    """One Secret whose whole stringData is a Pulumi secret (never shown in plans, outputs or logs)."""
    return k8s.core.v1.Secret(
        resource_name,
        metadata=ctx.meta(name, labels),
        type=secret_type,
        immutable=False,
        string_data=pulumi.Output.secret(dict(sorted(data.items()))),
        opts=opts,
    )
