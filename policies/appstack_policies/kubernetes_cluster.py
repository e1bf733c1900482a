"""Kubernetes rules that relate workloads to other objects: NetworkPolicy and PDB coverage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .kubernetes_pods import (
    DEPLOYMENT,
    NETWORK_POLICY,
    POD_DISRUPTION_BUDGET,
    STATEFUL_SET,
    WORKLOAD_TYPES,
    namespace_of,
    pod_labels,
    selector_matches,
)
from .model import ADVISORY, Finding, Resource, RuleContext, RuleSet, Stack
from .values import as_int, is_opaque

rules = RuleSet()


def _same_namespace(a: Resource, b: Resource) -> bool:
    first, second = namespace_of(a), namespace_of(b)
    return is_opaque(first) or is_opaque(second) or first == second


def _kind(r: Resource) -> str:
    return r.type.rsplit(":", 1)[-1]


@rules.stack(
    "k8s-network-policy-coverage",
    ADVISORY,
    "Every pod should be selected by a NetworkPolicy.",
    "Add a NetworkPolicy whose podSelector matches the workload's pod labels "
    "(or a namespace-wide default-deny with an empty podSelector).",
    types=[*WORKLOAD_TYPES, NETWORK_POLICY],
)
def k8s_network_policy_coverage(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Pods not selected by any NetworkPolicy accept traffic from every pod in the cluster."""
    policies = stack.of_type(NETWORK_POLICY)
    for workload in stack.of_type(*WORKLOAD_TYPES):
        labels = pod_labels(workload)
        covered = any(
            _same_namespace(workload, policy) and selector_matches(policy.get("spec.podSelector"), labels)
            for policy in policies
        )
        if not covered:
            yield Finding(
                f"pods of {_kind(workload)} {workload.name} are not selected by any NetworkPolicy.", workload.urn
            )


def _blocks_all_disruption(budget: Resource, replicas: int) -> bool:
    max_unavailable, min_available = budget.get("spec.maxUnavailable"), budget.get("spec.minAvailable")
    if is_opaque(max_unavailable) or is_opaque(min_available):
        return False
    if max_unavailable is not None:  # numbers may arrive as floats from the engine
        return max_unavailable == "0%" or as_int(max_unavailable) == 0
    if isinstance(min_available, str) and min_available.endswith("%"):
        return min_available == "100%"
    count = as_int(min_available)
    return count is not None and count >= replicas


def _replicas(workload: Any) -> int | None:
    value = workload.get("spec.replicas")
    if is_opaque(value):
        return None
    return 1 if value is None else as_int(value)


@rules.stack(
    "k8s-pod-disruption-budget",
    ADVISORY,
    "Deployments and StatefulSets should have a PodDisruptionBudget that still allows a disruption.",
    "Add a PodDisruptionBudget selecting the pods with maxUnavailable: 1 (or a minAvailable below the replica count).",
    types=[DEPLOYMENT, STATEFUL_SET, POD_DISRUPTION_BUDGET],
)
def k8s_pod_disruption_budget(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Without a budget a node drain can take all replicas at once; a budget allowing no disruption blocks
    drains forever.
    """
    budgets = stack.of_type(POD_DISRUPTION_BUDGET)
    for workload in stack.of_type(DEPLOYMENT, STATEFUL_SET):
        matching = [
            b
            for b in budgets
            if _same_namespace(workload, b)
            and b.get("spec.selector") is not None
            and selector_matches(b.get("spec.selector"), pod_labels(workload))
        ]
        label = f"{_kind(workload)} {workload.name}"
        if not matching:
            yield Finding(f"{label} has no PodDisruptionBudget.", workload.urn)
            continue
        replicas = _replicas(workload)
        for budget in matching:
            if replicas is not None and _blocks_all_disruption(budget, replicas):
                yield Finding(
                    f"PodDisruptionBudget {budget.name} allows no voluntary disruption of {label}.", budget.urn
                )
