"""Rendering env templates (`${postgres.url}`) into Pulumi outputs on any platform."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pulumi

from appstack.spec import AppSpec, Ref, available_attributes, parse_template, references
from appstack.spec.workloads import ContainerSpec


@dataclass(frozen=True)
class EnvEntry:
    name: str
    template: str
    secret: bool  # true when the value is built from any secret attribute


def env_entries(spec: AppSpec, container: ContainerSpec, present_secrets: Collection[str]) -> list[EnvEntry]:
    """The env of one workload (the app env it takes, overlaid by its own), sorted by name.

    Entries that reference an optional secret the operator left unset are left out, so the app sees
    the variable as undefined rather than empty.
    """
    attributes = available_attributes(spec)
    entries = []
    for name, template in sorted(spec.env_for(container).items()):
        refs = references(template)
        if any(ref.startswith("secrets.") and ref.removeprefix("secrets.") not in present_secrets for ref in refs):
            continue
        entries.append(EnvEntry(name, template, any(attributes[ref].secret for ref in refs if ref in attributes)))
    return entries


def render(template: str, values: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    """Substitute every reference; the result is a secret when any referenced value is one."""
    parts: list[pulumi.Input[str]] = []
    for part in parse_template(template):
        if isinstance(part, Ref):
            if part.name not in values:
                raise KeyError(f"the platform provides no value for ${{{part.name}}}")
            parts.append(pulumi.Output.from_input(values[part.name]).apply(str))
        else:
            parts.append(part)
    return pulumi.Output.concat("", *parts)


def secret_digest(values: Mapping[str, pulumi.Input[str]], key: pulumi.Input[str]) -> pulumi.Output[str]:
    """HMAC-SHA256 of a workload's secret env values, to roll its tasks or pods when one changes.

    Containers read secrets only at start, so a rotated value would otherwise wait for an unrelated
    restart. Keyed with the app's generated rollout key (never shown), the digest reveals nothing about
    the values, even short provided ones, so it is not kept secret: plans and diffs stay reviewable.
    """
    names = sorted(values)
    joined = pulumi.Output.all(pulumi.Output.from_input(key), *[pulumi.Output.from_input(values[n]) for n in names])
    digest = joined.apply(
        lambda resolved: hmac.new(
            resolved[0].encode(), json.dumps([names, resolved[1:]]).encode(), hashlib.sha256
        ).hexdigest()
    )
    return pulumi.Output.unsecret(digest)


def secret_values(secrets: Mapping[str, pulumi.Output[str]]) -> dict[str, pulumi.Output[str]]:
    return {f"secrets.{name}": value for name, value in secrets.items()}


def app_values(spec: AppSpec) -> dict[str, str]:
    domain = spec.domain or ""
    scheme = "https" if spec.tls else "http"
    return {"app.name": spec.name, "app.domain": domain, "app.url": f"{scheme}://{domain}" if domain else ""}
