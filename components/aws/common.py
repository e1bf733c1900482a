"""Helpers shared by the AWS network and data components: account facts, names, policies, options."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from appstack.naming.aws import physical_name as physical_name  # the data layer's modules import it from here

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class AccountContext:
    """Where the stack deploys, as outputs (the provider's account, partition and region)."""

    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    region: pulumi.Output[str]
    dns_suffix: pulumi.Output[str]


def account_context(arn: pulumi.Input[str]) -> AccountContext:
    """Account, partition and region read from the ARN of a resource this stack creates.

    No invoke (getCallerIdentity/getRegion) is needed, so offline synthesis and previews work the same;
    the ARN carries exactly the provider's account and region.
    """
    parts = pulumi.Output.from_input(arn).apply(lambda value: value.split(":"))
    partition = parts.apply(lambda p: p[1])
    return AccountContext(
        account_id=parts.apply(lambda p: p[4]),
        partition=partition,
        region=parts.apply(lambda p: p[3]),
        dns_suffix=partition.apply(lambda p: "amazonaws.com.cn" if p == "aws-cn" else "amazonaws.com"),
    )


def policy_json(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """A policy document (IAM, bucket, key or file-system policy) as JSON, resolving outputs inside it."""
    return pulumi.Output.json_dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def deny_insecure_transport(resources: Sequence[pulumi.Input[str]], action: str = "s3:*") -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": list(resources),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tags(stack: str, app: str | None = None, role: str | None = None) -> dict[str, str]:
    result = {"appstack:stack": stack, "managed-by": "appstack"}
    if app:
        result["appstack:app"] = app
    if role:
        result["appstack:role"] = role
    return result


def child(parent: pulumi.Resource, *, protect: bool = False, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options of a child resource; protect=True only for stateful resources in tiers that protect them."""
    return pulumi.ResourceOptions(parent=parent, protect=protect, **kwargs)


def first(values: list[Any]) -> Any:
    return values[0]


@functools.cache  # one signature per resource class, not per resource: the transformation sees every one
def takes_tags(resource_class: type) -> bool:
    """Whether a pulumi-aws resource class's inputs include `tags` (its constructor's own parameters)."""
    init = getattr(resource_class, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


class AppTagging:
    """The transformation an app's component applies to every resource under it: each one whose inputs take
    `tags` carries `appstack:app` (and the stack's tags), so the split roles can hold an app to its own
    resources by tag (docs/delivery.md); the tags a component sets itself (`appstack:role`, `Name`) stay."""

    def __init__(self, stack: str, app: str):
        self.tags = tags(stack, app)

    def __call__(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        from appstack.overrides import merge_patch

        if not isinstance(args.resource, pulumi.CustomResource) or not takes_tags(type(args.resource)):
            return None
        return pulumi.ResourceTransformationResult(merge_patch(args.props, {"tags": self.tags}), args.opts)
