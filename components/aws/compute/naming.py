"""Stable names shared by the compute modules: log groups, Cloud Map names, ECS names."""

from __future__ import annotations

import re

from ..contracts import dns_label, namespace_name

__all__ = ["cluster_name", "dns_label", "log_group_name", "namespace_name", "volume_name"]


def cluster_name(app: str, stack: str) -> str:
    return f"{app}-{dns_label(stack)}"[:255]


def log_group_name(app: str, stack: str, workload: str) -> str:
    return f"/appstack/{dns_label(stack)}/{app}/{workload}"


def volume_name(path: str) -> str:
    """A task volume name for a writable path (/app/.next/cache -> writable-app-next-cache)."""
    return "writable-" + (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root")
