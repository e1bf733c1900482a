"""Stable names shared by the compute modules: log groups, Cloud Map names, ECS names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from ..contracts import dns_label, namespace_name

__all__ = ["AccountRefs", "account_of", "cluster_name", "dns_label", "log_group_name", "namespace_name", "volume_name"]


def cluster_name(app: str, stack: str) -> str:
    return f"{app}-{dns_label(stack)}"[:255]


def log_group_name(app: str, stack: str, workload: str) -> str:
    return f"/appstack/{dns_label(stack)}/{app}/{workload}"


def volume_name(path: str) -> str:
    """A task volume name for a writable path (/app/.next/cache -> writable-app-next-cache)."""
    return "writable-" + (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root")


@dataclass(frozen=True)
class AccountRefs:
    partition: pulumi.Output[str]
    region: pulumi.Output[str]
    account_id: pulumi.Output[str]


def account_of(arn: pulumi.Input[str]) -> AccountRefs:
    """Partition, region and account of the stack, read from an ARN of the app (its KMS key).

    Saves a provider invoke per policy; the key lives in the account and region the app deploys to.
    """
    parts = pulumi.Output.from_input(arn).apply(lambda a: a.split(":"))
    return AccountRefs(parts.apply(lambda p: p[1]), parts.apply(lambda p: p[3]), parts.apply(lambda p: p[4]))
