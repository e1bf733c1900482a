"""Serve the rules as a real Pulumi policy pack (pulumi preview --policy-pack policies).

The same Rule objects and check functions as the offline runner; only the input
plumbing differs: engine proxies and unknown sentinels are normalized first, so a
value unknown at preview never raises and never counts as a violation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi_policy
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .catalog import ALL_RULES
from .config import rule_settings
from .model import STACK_RESOURCE_TYPE, Level, Resource, Rule, RuleContext, Stack
from .values import normalize, secret_paths

PACK_NAME = "appstack-security"

_LEVELS = {
    Level.MANDATORY: EnforcementLevel.MANDATORY,
    Level.ADVISORY: EnforcementLevel.ADVISORY,
    Level.DISABLED: EnforcementLevel.DISABLED,
}


def _context(rule: Rule, config: Mapping[str, Any] | None) -> RuleContext:
    return RuleContext(rule_settings(rule, {rule.id: dict(config or {})}))


def _options(opts: Any) -> dict[str, Any]:
    return {
        "protect": bool(getattr(opts, "protect", False)),
        "ignore_changes": list(getattr(opts, "ignore_changes", []) or []),
        "delete_before_replace": getattr(opts, "delete_before_replace", None),
        "aliases": list(getattr(opts, "aliases", []) or []),
        "additional_secret_outputs": list(getattr(opts, "additional_secret_outputs", []) or []),
    }


def _resource_validation(rule: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        resource = Resource(
            urn=args.urn,
            type=args.resource_type,
            name=args.name,
            inputs=normalize(args.props, reveal_secrets=True),
            secrets=frozenset(secret_paths(args.props)),
            options=_options(args.opts),
            parent=getattr(args.opts, "parent", None),
        )
        for message in rule.check(resource, _context(rule, args.get_config())):
            report_violation(message, None)

    return validate


def _stack_view(policy_resources: Sequence[Any]) -> Stack:
    resources, outputs = [], {}
    for r in policy_resources:
        if r.resource_type == STACK_RESOURCE_TYPE:
            outputs = normalize(r.props)  # secrets stay SECRET: secrecy is what is checked
            continue
        resources.append(
            Resource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                inputs=normalize(r.props, reveal_secrets=True),
                secrets=frozenset(secret_paths(r.props)),
                options=_options(r.opts),
                dependencies=tuple(d.urn for d in r.dependencies),
                parent=r.parent.urn if r.parent is not None else None,
            )
        )
    return Stack(tuple(resources), outputs)


def _stack_validation(rule: Rule):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for finding in rule.check(_stack_view(args.resources), _context(rule, args.get_config())):
            report_violation(finding.message, finding.urn)

    return validate


def to_pulumi_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    common = dict(
        name=rule.id,
        description=rule.description,
        enforcement_level=_LEVELS[rule.level],
        config_schema=PolicyConfigSchema(properties={k: dict(v) for k, v in rule.settings.items()})
        if rule.settings
        else None,
        remediation_steps=rule.remediation,
        tags=[rule.area],
    )
    if rule.is_stack_rule:
        return StackValidationPolicy(validate=_stack_validation(rule), **common)
    return ResourceValidationPolicy(validate=_resource_validation(rule), **common)


PulumiPolicy = ResourceValidationPolicy | StackValidationPolicy


def pulumi_policies(rules: Sequence[Rule] = ALL_RULES) -> list[PulumiPolicy]:
    return [to_pulumi_policy(rule) for rule in rules]


# --- secret markers -------------------------------------------------------------------
# pulumi_policy unwraps secrets before a policy sees them, which would make a secret stack
# output indistinguishable from a plaintext one. We keep the engine's secret envelope as a
# pulumi_policy.Secret leaf instead; values.normalize() reveals it for resource rules and
# turns it into SECRET for stack outputs.
_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _mark_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
            return pulumi_policy.Secret(_mark_secrets(value.get("value")))
        return {k: _mark_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_secrets(v) for v in value]
    return value


def install_secret_markers() -> bool:
    """Patch pulumi_policy's deserializer (analysis only; remediation keeps its own path)."""
    from pulumi_policy import policy as sdk_policy

    original = sdk_policy.deserialize_properties
    if getattr(original, "_appstack_marks_secrets", False):
        return True

    def deserialize_keeping_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        if proxy_secrets:
            return original(props, proxy_secrets)
        return original(_mark_secrets(props), False)

    deserialize_keeping_secrets._appstack_marks_secrets = True  # type: ignore[attr-defined]
    sdk_policy.deserialize_properties = deserialize_keeping_secrets
    return True


def serve() -> None:
    """Entry point of policies/__main__.py: blocks, serving the pack to the Pulumi engine."""
    install_secret_markers()
    PolicyPack(
        name=PACK_NAME,
        policies=pulumi_policies(),
        enforcement_level=EnforcementLevel.ADVISORY,
        description="appstack security rules for AWS and Kubernetes resources.",
    )
