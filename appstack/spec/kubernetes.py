"""Kubernetes-only knobs of a workload: labels and annotations, node selectors, tolerations and affinity.

They sit under a workload's `kubernetes:` key (and the app's, for its Ingress) so a blueprint says
plainly what has no meaning on ECS Fargate; an AWS stack ignores them and its plan warns about each.
Keys and values follow the API server's syntax (apimachinery validation), and keys appstack sets
itself are refused: a user label could otherwise change a selector, a network policy's reach or the
annotation that rolls pods when a secret changes.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator

from ..errors import shorten
from .base import Strict

_PREFIX_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_PREFIX = re.compile(rf"{_PREFIX_LABEL}(\.{_PREFIX_LABEL})*")
_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
ANNOTATIONS_MAX_BYTES = 256 * 1024  # keys and values of one object together (apimachinery TotalAnnotationSizeLimitB)

# Reserved for Kubernetes core components (Kubernetes docs, "Labels and Selectors", syntax), subdomains included.
RESERVED_DOMAINS = ("kubernetes.io", "k8s.io")
# The few keys in those domains the Kubernetes docs define for users to set on their pods.
USER_SETTABLE = frozenset({
    "kubectl.kubernetes.io/default-container",
    "cluster-autoscaler.kubernetes.io/safe-to-evict",
})
# appstack's own prefixes: selectors, network-policy reach, the secret-env digest.
APPSTACK_DOMAINS = ("appstack.dev", "appstack.io")
# Labels appstack sets on every object it creates, and selects pods and Services by.
APPSTACK_LABELS = frozenset({
    "app.kubernetes.io/part-of", "app.kubernetes.io/name", "app.kubernetes.io/component",
    "app.kubernetes.io/managed-by",
})
# What appstack decides for the Ingress: its class, TLS (a cert-manager Certificate of its own; an
# ingress-shim annotation would issue a second one into the same Secret) and the nginx settings it sets.
NGINX = "nginx.ingress.kubernetes.io"
INGRESS_OWNED_PREFIXES = ("cert-manager.io/", "acme.cert-manager.io/")
INGRESS_OWNED = frozenset({
    "kubernetes.io/ingress.class",
    *(f"{NGINX}/{key}" for key in ("proxy-body-size", "proxy-read-timeout", "proxy-send-timeout",
                                   "proxy-connect-timeout", "custom-headers", "ssl-redirect",
                                   # edge rewrites and redirects (their own Ingress objects)
                                   "use-regex", "rewrite-target", "permanent-redirect", "temporal-redirect")),
})
# Snippets inject raw nginx configuration (CVE-2021-25742, CVE-2025-1974): never taken from an app spec.
INGRESS_SNIPPETS = frozenset(f"{NGINX}/{k}" for k in (
    "configuration-snippet", "server-snippet", "auth-snippet", "stream-snippet"))


def key_problem(key: str) -> str | None:
    """Why `key` is no qualified name (optional DNS-subdomain prefix of at most 253, '/', a name of 1-63)."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _PREFIX.fullmatch(prefix)):
        return f"prefix '{shorten(prefix)}' must be a lowercase DNS subdomain of at most 253 characters"
    if not name or len(name) > 63 or not _NAME.fullmatch(name):
        return (f"name '{shorten(name)}' must be 1-63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit")
    return None


def _qualified(key: str) -> str:
    problem = key_problem(key)
    if problem:
        raise ValueError(f"'{shorten(key)}': {problem}")
    return key


def _label_value(value: str) -> str:
    if len(value) > 63 or (value and not _NAME.fullmatch(value)):
        raise ValueError(f"'{shorten(value)}' must be at most 63 letters, digits, '-', '_' or '.', "
                         "starting and ending with a letter or digit")
    return value


QualifiedName = Annotated[str, AfterValidator(_qualified)]
LabelValue = Annotated[str, AfterValidator(_label_value)]


def _in_domain(prefix: str, domains: tuple[str, ...]) -> bool:
    return any(prefix == d or prefix.endswith(f".{d}") for d in domains)


def reserved_reason(key: str, owned: frozenset[str] = frozenset(), owned_prefixes: tuple[str, ...] = (),
                    open_domains: tuple[str, ...] = ()) -> str | None:
    """Why a user may not set `key`, or None. `open_domains`: subdomains of kubernetes.io a controller
    of this object defines for users (ingress-nginx's annotations)."""
    prefix = key.rpartition("/")[0]
    if key in APPSTACK_LABELS or _in_domain(prefix, APPSTACK_DOMAINS):
        return "appstack sets it itself (selectors, network policy reach, rollouts)"
    if key in owned or key.startswith(owned_prefixes):
        return "appstack sets it itself on this object"
    if key in INGRESS_SNIPPETS:
        return "snippet annotations inject raw nginx configuration and are never taken from an app spec"
    if _in_domain(prefix, RESERVED_DOMAINS) and key not in USER_SETTABLE and prefix not in open_domains:
        return "the kubernetes.io and k8s.io prefixes are reserved for Kubernetes components"
    return None


class ObjectMetadata(Strict):
    """Extra labels and annotations of one kind of object; appstack's own keys are refused."""

    labels: dict[QualifiedName, LabelValue] = Field(default_factory=dict)
    annotations: dict[QualifiedName, str] = Field(
        default_factory=dict, description="at most 256 KiB of keys and values together")

    owned: ClassVar[frozenset[str]] = frozenset()  # keys appstack sets on this kind of object
    owned_prefixes: ClassVar[tuple[str, ...]] = ()
    open_domains: ClassVar[tuple[str, ...]] = ()

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        """(path inside this mapping, message) for each key appstack keeps for itself, and an oversize total.

        Run by spec.checks (one problem per key, every one reported), not as a validator here."""
        found = []
        for kind, mapping in (("labels", self.labels), ("annotations", self.annotations)):
            for key in mapping:
                reason = reserved_reason(key, self.owned, self.owned_prefixes, self.open_domains)
                if reason:
                    found.append(((kind, key), reason))
        size = sum(len(k.encode()) + len(v.encode()) for k, v in self.annotations.items())
        if size > ANNOTATIONS_MAX_BYTES:
            found.append((("annotations",), f"hold {size} bytes; at most {ANNOTATIONS_MAX_BYTES} fit one object"))
        return found


class IngressMetadata(ObjectMetadata):
    owned: ClassVar[frozenset[str]] = INGRESS_OWNED
    owned_prefixes: ClassVar[tuple[str, ...]] = INGRESS_OWNED_PREFIXES
    open_domains: ClassVar[tuple[str, ...]] = (NGINX,)


class Toleration(Strict):
    """Lets the pods run on nodes with a matching taint (an empty key with Exists tolerates every taint)."""

    key: QualifiedName | None = None
    operator: Literal["Equal", "Exists"] = "Equal"
    value: LabelValue | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = Field(
        None, description="none: every effect")
    toleration_seconds: int | None = Field(
        None, ge=0, le=2**31 - 1, description="NoExecute only: how long the pod stays after the taint appears")

    @model_validator(mode="after")
    def _coherent(self) -> Toleration:
        if self.operator == "Exists" and self.value:
            raise ValueError("operator Exists matches any value: remove value")
        if self.key is None and self.operator != "Exists":
            raise ValueError("a toleration without a key needs operator Exists (it then tolerates every taint)")
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            raise ValueError("toleration_seconds applies to effect NoExecute only")
        return self

    def manifest(self) -> dict[str, object]:
        out: dict[str, object] = {"operator": self.operator}
        if self.key is not None:
            out["key"] = self.key
        if self.operator == "Equal":
            out["value"] = self.value or ""
        if self.effect:
            out["effect"] = self.effect
        if self.toleration_seconds is not None:
            out["tolerationSeconds"] = self.toleration_seconds
        return out


class Requirement(Strict):
    key: QualifiedName
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[LabelValue] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_match_operator(self) -> Requirement:
        if self.operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"operator {self.operator} needs at least one value")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"operator {self.operator} takes no values")
        return self

    def manifest(self) -> dict[str, object]:
        out: dict[str, object] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out


class NodeRequirement(Requirement):
    """A node label requirement; Gt and Lt compare one integer value."""

    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_integer(self) -> NodeRequirement:
        if self.operator in ("Gt", "Lt") and (len(self.values) != 1 or not re.fullmatch(r"-?\d+", self.values[0])):
            raise ValueError(f"operator {self.operator} takes exactly one integer value")
        return self


class NodeTerm(Strict):
    match_expressions: list[NodeRequirement] = Field(min_length=1, description="all must hold")

    def manifest(self) -> dict[str, object]:
        return {"matchExpressions": [r.manifest() for r in self.match_expressions]}


class PreferredNodeTerm(NodeTerm):
    weight: int = Field(ge=1, le=100)


class NodeAffinity(Strict):
    required: list[NodeTerm] = Field(default_factory=list, description="the node must match one of the terms")
    preferred: list[PreferredNodeTerm] = Field(default_factory=list)

    def manifest(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.required:
            out["requiredDuringSchedulingIgnoredDuringExecution"] = {
                "nodeSelectorTerms": [t.manifest() for t in self.required]}
        if self.preferred:
            out["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": t.weight, "preference": t.manifest()} for t in self.preferred]
        return out


class PodTerm(Strict):
    """Pods of the app's namespace matching these labels, counted per topology domain."""

    match_labels: dict[QualifiedName, LabelValue] = Field(default_factory=dict)
    match_expressions: list[Requirement] = Field(default_factory=list)
    topology_key: QualifiedName = Field(description="a node label, e.g. kubernetes.io/hostname")

    @model_validator(mode="after")
    def _selects_something(self) -> PodTerm:
        if not (self.match_labels or self.match_expressions):
            raise ValueError("set match_labels or match_expressions (an empty selector matches no pod)")
        return self

    def manifest(self) -> dict[str, object]:
        selector: dict[str, object] = {}
        if self.match_labels:
            selector["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            selector["matchExpressions"] = [r.manifest() for r in self.match_expressions]
        return {"labelSelector": selector, "topologyKey": self.topology_key}


class PreferredPodTerm(PodTerm):
    weight: int = Field(ge=1, le=100)


class PodAffinity(Strict):
    required: list[PodTerm] = Field(default_factory=list)
    preferred: list[PreferredPodTerm] = Field(default_factory=list)

    def manifest(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.required:
            out["requiredDuringSchedulingIgnoredDuringExecution"] = [t.manifest() for t in self.required]
        if self.preferred:
            out["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": t.weight, "podAffinityTerm": PodTerm.manifest(t)} for t in self.preferred]
        return out


class AffinitySpec(Strict):
    """Typed node affinity and pod (anti-)affinity; it adds to appstack's topology spread, never replaces it."""

    node: NodeAffinity | None = None
    pod: PodAffinity | None = None
    pod_anti: PodAffinity | None = None

    def manifest(self) -> dict[str, object]:
        parts = (("nodeAffinity", self.node), ("podAffinity", self.pod), ("podAntiAffinity", self.pod_anti))
        return {key: part.manifest() for key, part in parts if part is not None and part.manifest()}


class PodKubernetesSpec(Strict):
    """Kubernetes-only settings of a workload's pods (an AWS stack ignores them, with a warning)."""

    pod: ObjectMetadata = Field(ObjectMetadata(), description="extra labels and annotations of the pods")
    node_selector: dict[QualifiedName, LabelValue] = Field(
        default_factory=dict, description="node labels the pods require, e.g. kubernetes.io/arch: arm64")
    tolerations: list[Toleration] = Field(default_factory=list, max_length=50)
    affinity: AffinitySpec | None = None

    @property
    def is_set(self) -> bool:
        return bool(self.model_dump(exclude_defaults=True))

    def scheduling(self) -> dict[str, object]:
        """nodeSelector, tolerations and affinity of the pod spec (only those set)."""
        out: dict[str, object] = {}
        if self.node_selector:
            out["nodeSelector"] = dict(self.node_selector)
        if self.tolerations:
            out["tolerations"] = [t.manifest() for t in self.tolerations]
        affinity = self.affinity.manifest() if self.affinity else {}
        if affinity:
            out["affinity"] = affinity
        return out


class ServiceKubernetesSpec(PodKubernetesSpec):
    service: ObjectMetadata = Field(ObjectMetadata(), description="extra labels and annotations of the Service")


class AppKubernetesSpec(Strict):
    """Kubernetes-only settings of the whole app."""

    ingress: IngressMetadata = Field(
        IngressMetadata(),
        description="extra labels and annotations of the app's Ingress objects (one Ingress serves every "
        "public service; its class, TLS, nginx timeouts and headers stay appstack's)",
    )

    @property
    def is_set(self) -> bool:
        return bool(self.model_dump(exclude_defaults=True))
