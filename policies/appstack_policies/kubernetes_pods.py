"""Where Kubernetes workloads keep their pod template, and how to read it."""

from __future__ import annotations

from typing import Any

from .model import Resource
from .values import is_opaque, items_of, lookup

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
REPLICA_SET = "kubernetes:apps/v1:ReplicaSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD = "kubernetes:core/v1:Pod"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
POD_DISRUPTION_BUDGET = "kubernetes:policy/v1:PodDisruptionBudget"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"

# Path of the pod template (metadata + spec) inside each workload kind.
POD_TEMPLATE_PATH = {
    DEPLOYMENT: "spec.template",
    STATEFUL_SET: "spec.template",
    DAEMON_SET: "spec.template",
    REPLICA_SET: "spec.template",
    JOB: "spec.template",
    CRON_JOB: "spec.jobTemplate.spec.template",
    POD: None,
}
WORKLOAD_TYPES = tuple(POD_TEMPLATE_PATH)
LONG_RUNNING_TYPES = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, REPLICA_SET, POD)


def pod_template(r: Resource) -> Any:
    path = POD_TEMPLATE_PATH.get(r.type)
    return r.inputs if path is None else r.get(path)


def pod_spec(r: Resource) -> Any:
    """The pod spec dict, UNKNOWN while unknown, or None."""
    spec = lookup(pod_template(r), "spec")
    return spec if isinstance(spec, dict) or is_opaque(spec) else None


def pod_labels(r: Resource) -> Any:
    return lookup(pod_template(r), "metadata.labels")


def namespace_of(r: Resource) -> Any:
    namespace = r.get("metadata.namespace")
    return "default" if namespace is None else namespace


def containers(spec: Any, *, include_init: bool = True) -> list[dict[str, Any]]:
    fields = ("containers", "initContainers") if include_init else ("containers",)
    found: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        for field in fields:
            found.extend(c for c in items_of(spec.get(field)) if isinstance(c, dict))
    return found


def container_name(container: dict[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else "?"


def effective(spec: dict[str, Any], container: dict[str, Any], field: str) -> Any:
    """A securityContext field the container may set and otherwise inherits from the pod."""
    own = lookup(container, f"securityContext.{field}")
    return own if own is not None else lookup(spec, f"securityContext.{field}")


def selector_matches(selector: Any, labels: Any) -> bool:
    """Label-selector semantics; an opaque selector or label set counts as matching,
    so unknown values never produce a "not covered" finding."""
    if is_opaque(selector) or is_opaque(labels):
        return True
    if not isinstance(selector, dict):
        return selector is None  # a missing podSelector selects every pod
    labels = labels if isinstance(labels, dict) else {}
    match_labels = selector.get("matchLabels")
    if is_opaque(match_labels):
        return True
    for key, value in (match_labels or {}).items():
        if not is_opaque(value) and labels.get(key) != value:
            return False
    for expression in items_of(selector.get("matchExpressions")):
        if not isinstance(expression, dict) or not _expression_matches(expression, labels):
            return False
    return True


def _expression_matches(expression: dict[str, Any], labels: dict[str, Any]) -> bool:
    key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
    if is_opaque(key) or is_opaque(operator) or is_opaque(values):
        return True
    if operator == "In":
        return labels.get(key) in items_of(values)
    if operator == "NotIn":
        return labels.get(key) not in items_of(values)
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return True
