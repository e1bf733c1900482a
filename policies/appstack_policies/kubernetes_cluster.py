"""Kubernetes objects around the workloads: NetworkPolicy and PDB coverage, namespaces, Services, RBAC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .kubernetes_pods import (
    DEPLOYMENT,
    NETWORK_POLICY,
    POD_DISRUPTION_BUDGET,
    STATEFUL_SET,
    WORKLOAD_TYPES,
    containers,
    namespace_of,
    pod_labels,
    pod_spec,
    selector_matches,
)
from .model import ADVISORY, MANDATORY, Finding, Resource, RuleContext, RuleSet, Stack
from .values import as_int, is_opaque, items_of, lookup

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


NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE = "kubernetes:core/v1:Service"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
BINDINGS = (
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
)

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
JUSTIFICATION = "appstack.dev/pod-security-justification"


@rules.resource(
    "k8s-namespace-pod-security",
    MANDATORY,
    [NAMESPACE],
    "Namespaces must enforce Pod Security restricted (or baseline, with a written justification).",
    f"Label the namespace {ENFORCE_LABEL}: restricted; for baseline, add the annotation {JUSTIFICATION} "
    "saying which workload needs it and why.",
)
def k8s_namespace_pod_security(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without an enforce label the API server admits privileged pods into the namespace, whatever the
    workload rules checked at preview (a Helm chart or kubectl apply never passes through them).
    """
    labels, annotations = r.get("metadata.labels"), r.get("metadata.annotations")
    level = labels.get(ENFORCE_LABEL) if isinstance(labels, dict) else None
    if is_opaque(labels) or is_opaque(level):
        return
    if level is None:
        yield f"namespace has no {ENFORCE_LABEL} label: Pod Security admits privileged pods."
    elif level == "baseline":
        reason = annotations.get(JUSTIFICATION) if isinstance(annotations, dict) else None
        if not is_opaque(annotations) and not is_opaque(reason) and not (isinstance(reason, str) and reason.strip()):
            yield f"namespace enforces Pod Security baseline without a {JUSTIFICATION} annotation."
    elif level != "restricted":
        yield f"namespace enforces Pod Security {level}."


# Ports, port names and images that identify a data store.
DATA_STORE_PORTS = {5432, 6379, 6380, 26379, 3306, 27017, 9042, 11211, 9200}
DATA_STORE_NAMES = re.compile(
    r"postgres|postgis|redis|valkey|mysql|mariadb|mongo|memcached|elasticsearch|cloudnative-pg"
)
EXTERNAL_TYPES = ("LoadBalancer", "NodePort")


def _data_store_port(service: Resource) -> str | None:
    for port in items_of(service.get("spec.ports")):
        for field in ("port", "targetPort"):
            value = lookup(port, field)
            if as_int(value) in DATA_STORE_PORTS:  # numbers may arrive as floats from the engine
                return f"port {as_int(value)}"
            if isinstance(value, str) and DATA_STORE_NAMES.search(value):
                return f"port {value}"
    return None


def _data_store_pods(stack: Stack, service: Resource) -> str | None:
    selector = service.get("spec.selector")
    if not isinstance(selector, dict) or not selector:
        return None  # no selector: no pods behind it (opaque: cannot tell)
    if any(str(key).startswith("cnpg.io/") for key in selector):
        return "CloudNativePG pods"
    for workload in stack.of_type(*WORKLOAD_TYPES):
        if not _same_namespace(workload, service) or not selector_matches(
            {"matchLabels": selector}, pod_labels(workload)
        ):
            continue
        if is_opaque(pod_labels(workload)):
            continue
        for container in containers(pod_spec(workload)):
            image = container.get("image")
            if isinstance(image, str) and DATA_STORE_NAMES.search(image.rsplit("/", 1)[-1]):
                return f"pods of {_kind(workload)} {workload.name} (image {image})"
    return None


@rules.stack(
    "k8s-no-exposed-data-store",
    MANDATORY,
    "Services of type LoadBalancer or NodePort must not select a data store (PostgreSQL, Redis, ...).",
    "Use a ClusterIP Service and reach the store from inside the cluster (NetworkPolicy allows the app pods).",
    types=[SERVICE, *WORKLOAD_TYPES],
)
def k8s_no_exposed_data_store(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """A LoadBalancer or NodePort Service puts the database or cache on a node port or a public address, where
    NetworkPolicy (which sees the node, not the client) no longer protects it.
    """
    for service in stack.of_type(SERVICE):
        kind = service.get("spec.type")
        if kind not in EXTERNAL_TYPES:
            continue
        what = _data_store_port(service) or _data_store_pods(stack, service)
        if what:
            yield Finding(
                f"Service {service.name} (type {kind}) exposes a data store outside the cluster: {what}.", service.urn
            )


# ClusterRoles that come with every cluster and grant broad write access.
ADMIN_CLUSTER_ROLES = {"cluster-admin", "admin", "edit"}
ESCALATING_VERBS = {"*", "escalate", "bind", "impersonate"}


def _role_problem(role: Resource) -> str | None:
    for index, rule in enumerate(items_of(role.get("rules"))):
        verbs = [v for v in items_of(lookup(rule, "verbs")) if isinstance(v, str)]
        resources = [v for v in items_of(lookup(rule, "resources")) if isinstance(v, str)]
        risky = sorted({v for v in verbs if v.lower() in ESCALATING_VERBS})
        if risky or "*" in resources:
            return f"rule {index} grants verbs {', '.join(verbs)} on resources {', '.join(resources) or '-'}"
    return None


@rules.stack(
    "k8s-no-admin-rbac-binding",
    MANDATORY,
    "RoleBindings and ClusterRoleBindings must not grant cluster-admin, admin or edit, or a role with wildcard "
    "verbs or resources (or escalate, bind, impersonate).",
    "Write a Role listing the verbs and resources the subject needs and bind that.",
    types=[*BINDINGS, ROLE, CLUSTER_ROLE],
)
def k8s_no_admin_rbac_binding(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """A binding to an admin role or a wildcard role lets the subject (often a pod's service account) read
    every Secret and run anything it likes in the namespace or cluster.
    """
    for binding in stack.of_type(*BINDINGS):
        kind, name = binding.get("roleRef.kind"), binding.get("roleRef.name")
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        label = f"{_kind(binding)} {binding.name} binds {kind} {name}"
        if kind == "ClusterRole" and name in ADMIN_CLUSTER_ROLES:
            yield Finding(f"{label}.", binding.urn)
            continue
        role_type = CLUSTER_ROLE if kind == "ClusterRole" else ROLE
        for role in stack.of_type(role_type):
            if role.get("metadata.name") != name or (role_type == ROLE and not _same_namespace(role, binding)):
                continue
            problem = _role_problem(role)
            if problem:
                yield Finding(f"{label}, whose {problem}.", binding.urn)
