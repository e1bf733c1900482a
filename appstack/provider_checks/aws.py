"""Every AWS resource of a plan against the AWS API's documented constraints (the table: aws_rules).

Names the provider generates (autonaming: the resource name, '-', 7 random characters, for inputs left
unset) are checked as the provider would generate them. A registered type that is neither in RULES nor
in NO_INPUT_CONSTRAINTS is itself a finding, so a new resource type cannot slip by unchecked.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..synth import PlanResource, reveal
from . import aws_constraints as C
from .aws_rules import AUTONAME_SUFFIX, NO_INPUT_CONSTRAINTS, PULUMI_AWS_AUTONAMING, RULES, AutoName, F
from .core import Finding, apply_rules, is_unknown, resource_label
from .rds_storage import storage_problems


def check_aws(resources: list[PlanResource]) -> list[Finding]:
    findings: list[Finding] = []
    for resource in resources:
        if not resource.type.startswith("aws:") or not resource.custom:
            continue
        rules = RULES.get(resource.type)
        if rules is None:
            if resource.type not in NO_INPUT_CONSTRAINTS:
                findings.append(
                    Finding(
                        resource_label(resource),
                        "",
                        "no provider constraints are known for this type; "
                        "add it to appstack.provider_checks.aws.RULES (or NO_INPUT_CONSTRAINTS)",
                    )
                )
            findings += _tags(resource)
            continue
        inputs, generated = _with_autoname(resource, rules.autoname)
        field_findings = apply_rules(resource, list(rules.fields), inputs)
        findings += field_findings
        if generated and not any(f.path == generated.field for f in field_findings):
            findings += _autoname_limit(resource, generated)
        if rules.taggable:
            findings += _tags(resource)
    findings += _role_policy_sizes(resources)
    findings += _fargate_sizes(resources)
    findings += _rds_storage(resources)
    return findings


# The spec's names of the storage inputs, as the provider's inputs spell them.
_RDS_STORAGE_INPUTS = {"storage_type": "storageType", "storage_gb": "allocatedStorage", "iops": "iops",
                       "storage_throughput": "storageThroughput"}


def _rds_storage(resources: list[PlanResource]) -> list[Finding]:
    """IOPS and throughput against the storage type and size (an override may have set them)."""
    findings = []
    for resource in resources:
        if resource.type != "aws:rds/instance:Instance":
            continue
        values = {field: reveal(resource.inputs.get(name)) for field, name in _RDS_STORAGE_INPUTS.items()}
        if any(is_unknown(v) for v in values.values()) or not isinstance(values["storage_gb"], int):
            continue
        found = storage_problems(str(values["storage_type"] or "gp2"), values["storage_gb"], values["iops"],
                                 values["storage_throughput"])
        findings += [Finding(resource_label(resource), _RDS_STORAGE_INPUTS[p.field], p.message, p.source)
                     for p in found]
    return findings


def _with_autoname(resource: PlanResource, auto: AutoName | None) -> tuple[dict[str, Any], AutoName | None]:
    """The inputs as the provider completes them: an unset autonamed input gets its generated name."""
    if auto is None or resource.inputs.get(auto.field) is not None:
        return resource.inputs, None
    generated = f"{resource.name}{AUTONAME_SUFFIX}"
    generated = auto.prefix + (generated.lower() if auto.lowercase else generated)
    return {**resource.inputs, auto.field: generated}, auto


def _autoname_limit(resource: PlanResource, auto: AutoName) -> list[Finding]:
    """The provider refuses to generate a name longer than its own limit (even where the API allows more)."""
    if len(resource.name) + len(AUTONAME_SUFFIX) <= auto.max_length:
        return []
    return [
        Finding(
            resource_label(resource),
            auto.field,
            f"the provider generates this name from the resource name ({len(resource.name)} characters) plus "
            f"{len(AUTONAME_SUFFIX)}, over its limit of {auto.max_length}",
            PULUMI_AWS_AUTONAMING,
        )
    ]


def _tags(resource: PlanResource) -> list[Finding]:
    rules = [F("tags", C.TAGS), F("tags{k}", C.TAG_KEY), F("tags{}", C.TAG_VALUE)]
    return apply_rules(resource, rules)


def _role_policy_sizes(resources: list[PlanResource]) -> list[Finding]:
    """All inline policies of one role share one size quota (whitespace not counted)."""
    sizes: dict[str, int] = defaultdict(int)
    names: dict[str, list[str]] = defaultdict(list)
    for resource in resources:
        if resource.type != "aws:iam/rolePolicy:RolePolicy":
            continue
        role, policy = reveal(resource.inputs.get("role")), reveal(resource.inputs.get("policy"))
        if isinstance(role, str) and isinstance(policy, str) and not is_unknown(policy):
            sizes[role] += len("".join(json.dumps(json.loads(policy), separators=(",", ":")).split()))
            names[role].append(resource.name)
    return [
        Finding(
            f"aws:iam/rolePolicy:RolePolicy {', '.join(sorted(names[role]))}",
            "policy",
            f"inline policies of role {role} total {size} characters; at most {C.IAM_INLINE_POLICIES_PER_ROLE}",
            C.IAM_QUOTAS,
        )
        for role, size in sorted(sizes.items())
        if size > C.IAM_INLINE_POLICIES_PER_ROLE
    ]


def _fargate_sizes(resources: list[PlanResource]) -> list[Finding]:
    findings = []
    for resource in resources:
        if resource.type != "aws:ecs/taskDefinition:TaskDefinition":
            continue
        if "FARGATE" not in (resource.inputs.get("requiresCompatibilities") or []):
            continue
        cpu, memory = str(resource.inputs.get("cpu")), resource.inputs.get("memory")
        allowed = C.FARGATE_MEMORY.get(cpu)
        if allowed and memory is not None and int(memory) not in allowed:
            findings.append(
                Finding(
                    resource_label(resource),
                    "memory",
                    f"{memory} MiB is not a Fargate size for {cpu} CPU units ({allowed[0]}-{allowed[-1]} MiB)",
                    C.FARGATE_CPU[0].source,
                )
            )
    return findings


@dataclass(frozen=True)
class Coverage:
    """Which AWS types a plan registers and whether the layer knows each."""

    known: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)


def coverage(resources: list[PlanResource]) -> Coverage:
    result = Coverage()
    for resource in resources:
        if resource.type.startswith("aws:") and resource.custom:
            known = resource.type in RULES or resource.type in NO_INPUT_CONSTRAINTS
            (result.known if known else result.unknown).add(resource.type)
    return result
