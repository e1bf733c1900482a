"""Every rule of the pack, in a stable order (documentation order)."""

from __future__ import annotations

from . import (
    aws_compute,
    aws_data,
    aws_identity,
    aws_network,
    aws_resource_policies,
    aws_storage,
    kubernetes_cluster,
    kubernetes_workloads,
    stack_rules,
)
from .model import Rule

_MODULES = (
    aws_data,
    aws_network,
    aws_storage,
    aws_compute,
    aws_identity,
    aws_resource_policies,
    kubernetes_workloads,
    kubernetes_cluster,
    stack_rules,
)

ALL_RULES: tuple[Rule, ...] = tuple(rule for module in _MODULES for rule in module.rules.all)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}

if len(RULES_BY_ID) != len(ALL_RULES):  # policy names must be unique within a pack
    raise RuntimeError("duplicate rule id in appstack_policies")
