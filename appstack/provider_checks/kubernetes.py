"""Every Kubernetes object of a plan as the API server would validate it.

The official OpenAPI schemas (strict: unknown fields rejected; oldest and newest supported release)
check shapes and types; the API server's own validation adds what the schemas do not say: name
formats per kind (DNS-1123 subdomain or label, DNS-1035 for Services), length limits that controllers
impose (CronJob 52; Job and StatefulSet names end up in 63-character label values), label and
annotation syntax and sizes, port names, env var names, ConfigMap and Secret keys and sizes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ..synth import PlanResource, reveal
from .core import Finding, resource_label
from .kubernetes_schemas import (
    K8S_VERSIONS,
    SCHEMA_ROOT,
    is_custom,
    kubernetes_objects,
    validate_builtin,
    validate_custom,
)

_VALIDATION = "https://github.com/kubernetes/apimachinery/blob/master/pkg/util/validation/validation.go"
_NAMES = "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"
_LABELS = "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set"

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = rf"{DNS1123_LABEL}(\.{DNS1123_LABEL})*"
DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_ENV_NAME = r"[-._a-zA-Z][-._a-zA-Z0-9]*"
_CONFIG_KEY = r"[-._a-zA-Z0-9]+"
_IANA_SVC_NAME = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"

# metadata.name rule per kind: (regex, meaning, max length, why the limit).
_SUBDOMAIN = (DNS1123_SUBDOMAIN, "a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')", 253, _NAMES)
NAME_RULES: dict[str, tuple[str, str, int, str]] = {
    "Namespace": (DNS1123_LABEL, "a DNS-1123 label (lowercase letters, digits and '-')", 63, _NAMES),
    "Service": (DNS1035_LABEL, "a DNS-1035 label (a lowercase letter, then letters, digits and '-')", 63, _NAMES),
    # The CronJob controller appends an 11-character suffix to name its Jobs.
    "CronJob": (
        DNS1123_SUBDOMAIN,
        _SUBDOMAIN[1],
        52,
        "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec",
    ),
    # The Job name becomes the value of the job-name label of its pods.
    "Job": (
        DNS1123_SUBDOMAIN,
        _SUBDOMAIN[1],
        63,
        "https://kubernetes.io/docs/concepts/workloads/controllers/job/#writing-a-job-spec",
    ),
    # The StatefulSet controller labels pods controller-revision-hash=<name>-<10-character hash> (63 max).
    "StatefulSet": (
        DNS1123_LABEL,
        "a DNS-1123 label (its pods' host names)",
        52,
        "https://github.com/kubernetes/kubernetes/issues/64023",
    ),
}
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
ANNOTATIONS_MAX_BYTES = 256 * 1024
CONFIG_DATA_MAX_BYTES = 1024 * 1024


def check_kubernetes(resources: list[PlanResource]) -> list[Finding]:
    findings: list[Finding] = []
    for resource in kubernetes_objects(resources):
        obj = reveal(resource.inputs)
        label = resource_label(resource)
        if "[unknown]" in json.dumps(obj):
            findings.append(
                Finding(label, "", "holds unknown values; offline plans of Kubernetes objects must be known")
            )
            continue
        findings += [Finding(label, path, message, source) for path, message, source in _object_problems(obj)]
    return findings


def _object_problems(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    kind = obj.get("kind", "")
    if is_custom(obj):
        for problem in validate_custom(obj):
            yield _split(problem, "CustomResourceDefinition fields (provider_checks.kubernetes_schemas.CRD_SPECS)")
    elif _has_schema(obj):
        seen: set[str] = set()
        for version in K8S_VERSIONS:
            for problem in validate_builtin(obj, version):
                if problem not in seen:
                    seen.add(problem)
                    yield _split(problem, f"Kubernetes {version} OpenAPI schema (strict)")
    else:
        yield "", f"no schema known for {obj.get('apiVersion')} {kind}", "provider_checks.kubernetes_schemas"
    yield from _name(obj)
    yield from _metadata(obj)
    yield from _labels_everywhere(obj, "")
    yield from _pod_specs(obj)
    yield from _service(obj)
    yield from _ingress(obj)
    yield from _config_data(obj)


def _split(problem: str, source: str) -> tuple[str, str, str]:
    path, _, message = problem.partition(": ")
    return path, message, source


def _has_schema(obj: dict[str, Any]) -> bool:
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", obj.get("apiVersion", ""))
    return (SCHEMA_ROOT / f"v{K8S_VERSIONS[0]}-local-strict" / f"{obj.get('kind', '').lower()}-{group}.json").is_file()


def _name(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    name = (obj.get("metadata") or {}).get("name")
    if not isinstance(name, str):
        return
    regex, meaning, limit, source = NAME_RULES.get(obj.get("kind", ""), _SUBDOMAIN)
    if not re.fullmatch(regex, name):
        yield "metadata.name", f"'{name}' must be {meaning}", _NAMES
    if len(name) > limit:
        yield "metadata.name", f"'{name}' has {len(name)} characters; at most {limit} for a {obj.get('kind')}", source
    namespace = (obj.get("metadata") or {}).get("namespace")
    for path, value in (
        ("metadata.namespace", namespace),
        ("metadata.name", name if obj.get("kind") == "Namespace" else None),
    ):
        if isinstance(value, str) and value in RESERVED_NAMESPACES:
            yield path, f"'{value}' is a namespace Kubernetes itself uses; apps get namespaces of their own", _NAMES
        if path == "metadata.namespace" and isinstance(value, str) and not re.fullmatch(DNS1123_LABEL, value[:63]):
            yield path, f"'{value}' must be a DNS-1123 label", _NAMES


def _label_key(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not re.fullmatch(DNS1123_SUBDOMAIN, prefix)):
        return f"key prefix '{prefix}' must be a DNS-1123 subdomain of at most 253 characters"
    if not name or len(name) > 63 or not re.fullmatch(_QUALIFIED_NAME, name):
        return f"key name '{name}' must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric"
    return None


def _metadata(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    yield from _annotations(obj.get("metadata") or {}, "metadata")


def _annotations(metadata: dict[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    annotations = metadata.get("annotations") or {}
    for key in annotations:
        problem = _label_key(key)
        if problem:
            yield f"{where}.annotations.{key}", problem, _LABELS
    size = sum(len(k) + len(str(v)) for k, v in annotations.items())
    if size > ANNOTATIONS_MAX_BYTES:
        yield f"{where}.annotations", f"total {size} bytes; at most {ANNOTATIONS_MAX_BYTES}", _VALIDATION


_LABEL_MAPS = {"labels": ("metadata", "inheritedMetadata"), "matchLabels": None, "nodeSelector": None}


def _labels_everywhere(value: Any, where: str, parent: str = "") -> Iterator[tuple[str, str, str]]:
    """Kubernetes labels at any depth: object and template metadata, selectors, node selectors.

    `labels` count only under metadata: custom resources (Prometheus rules) have labels of their own kind.
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _labels_everywhere(item, f"{where}[{index}]", parent)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        here = f"{where}.{key}" if where else key
        parents = _LABEL_MAPS.get(key, ())
        if key in _LABEL_MAPS and isinstance(item, dict) and (parents is None or parent in parents):
            for label_key, label_value in item.items():
                problem = _label_key(label_key)
                if problem:
                    yield f"{here}.{label_key}", problem, _LABELS
                text = str(label_value)
                if len(text) > 63 or (text and not re.fullmatch(_QUALIFIED_NAME, text)):
                    yield (
                        f"{here}.{label_key}",
                        f"value '{text}' must be at most 63 letters, digits, '-', '_' or '.', "
                        "starting and ending alphanumeric",
                        _LABELS,
                    )
        elif key == "metadata" and isinstance(item, dict) and where:
            yield from _annotations(item, here)
            yield from _labels_everywhere(item, here, key)
        else:
            yield from _labels_everywhere(item, here, key)


def _pod_specs(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for where, spec in pod_specs(obj):
        for group in ("initContainers", "containers"):
            for index, container in enumerate(spec.get(group) or []):
                here = f"{where}.{group}[{index}]"
                if not _is_label(container.get("name")):
                    yield f"{here}.name", f"'{container.get('name')}' must be a DNS-1123 label", _NAMES
                for port_index, port in enumerate(container.get("ports") or []):
                    name = port.get("name")
                    if name is not None and not _is_port_name(name):
                        yield (
                            f"{here}.ports[{port_index}].name",
                            f"'{name}' must be an IANA service name: at most 15 "
                            "lowercase letters, digits and single '-', with a letter",
                            _VALIDATION,
                        )
                for env_index, env in enumerate(container.get("env") or []):
                    if not re.fullmatch(_ENV_NAME, str(env.get("name"))):
                        yield (
                            f"{here}.env[{env_index}].name",
                            f"'{env.get('name')}' is not a valid env var name",
                            _VALIDATION,
                        )
        for index, volume in enumerate(spec.get("volumes") or []):
            if not _is_label(volume.get("name")):
                yield f"{where}.volumes[{index}].name", f"'{volume.get('name')}' must be a DNS-1123 label", _NAMES
        for path, value in (("serviceAccountName", spec.get("serviceAccountName")),):
            if value is not None and not re.fullmatch(DNS1123_SUBDOMAIN, str(value)):
                yield f"{where}.{path}", f"'{value}' must be a DNS-1123 subdomain", _NAMES
    for index, claim in enumerate((obj.get("spec") or {}).get("volumeClaimTemplates") or []):
        name = (claim.get("metadata") or {}).get("name")
        if not _is_label(name):
            yield f"spec.volumeClaimTemplates[{index}].metadata.name", f"'{name}' must be a DNS-1123 label", _NAMES
        storage_class = (claim.get("spec") or {}).get("storageClassName")
        if storage_class is not None and not re.fullmatch(DNS1123_SUBDOMAIN, str(storage_class)):
            yield (
                f"spec.volumeClaimTemplates[{index}].spec.storageClassName",
                f"'{storage_class}' must be a StorageClass name (DNS-1123 subdomain)",
                _NAMES,
            )
    if obj.get("kind") == "PersistentVolumeClaim":
        storage_class = (obj.get("spec") or {}).get("storageClassName")
        if storage_class is not None and not re.fullmatch(DNS1123_SUBDOMAIN, str(storage_class)):
            yield "spec.storageClassName", f"'{storage_class}' must be a StorageClass name (DNS-1123 subdomain)", _NAMES


def pod_specs(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The pod spec(s) inside a workload object, with their paths."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        if template.get("spec"):
            yield "spec.jobTemplate.spec.template.spec", template["spec"]
    elif isinstance(spec.get("template"), dict) and spec["template"].get("spec"):
        yield "spec.template.spec", spec["template"]["spec"]


def _service(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    if obj.get("kind") != "Service":
        return
    ports = (obj.get("spec") or {}).get("ports") or []
    for index, port in enumerate(ports):
        name = port.get("name")
        if (name is None and len(ports) > 1) or (name is not None and not _is_label(name)):
            yield (
                f"spec.ports[{index}].name",
                f"'{name}' must be a DNS-1123 label (required with several ports)",
                _NAMES,
            )


def _ingress(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    if obj.get("kind") != "Ingress":
        return
    spec = obj.get("spec") or {}
    class_name = spec.get("ingressClassName")
    if class_name is not None and not re.fullmatch(DNS1123_SUBDOMAIN, str(class_name)):
        yield "spec.ingressClassName", f"'{class_name}' must be an IngressClass name (DNS-1123 subdomain)", _NAMES
    hosts = [(f"spec.rules[{i}].host", rule.get("host")) for i, rule in enumerate(spec.get("rules") or [])]
    hosts += [
        (f"spec.tls[{i}].hosts[{j}]", host)
        for i, tls in enumerate(spec.get("tls") or [])
        for j, host in enumerate(tls.get("hosts") or [])
    ]
    for path, host in hosts:
        if host is None:
            continue
        bare = str(host).removeprefix("*.")
        if len(str(host)) > 253 or not re.fullmatch(DNS1123_SUBDOMAIN, bare) or re.fullmatch(r"[0-9.]+", bare):
            yield (
                path,
                f"'{host}' must be a DNS-1123 subdomain (an optional '*.' first), not an IP address",
                _VALIDATION,
            )
    for i, rule in enumerate(spec.get("rules") or []):
        for j, path_rule in enumerate(((rule.get("http") or {}).get("paths")) or []):
            path = path_rule.get("path")
            if path is not None and not str(path).startswith("/"):
                yield f"spec.rules[{i}].http.paths[{j}].path", f"'{path}' must be an absolute path", _VALIDATION


def _config_data(obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    if obj.get("kind") not in ("ConfigMap", "Secret"):
        return
    size = 0
    for field in ("data", "stringData", "binaryData"):
        for key, value in (obj.get(field) or {}).items():
            size += len(str(value).encode())
            if len(key) > 253 or not re.fullmatch(_CONFIG_KEY, key):
                yield f"{field}.{key}", "keys must be at most 253 letters, digits, '-', '_' or '.'", _VALIDATION
    if size > CONFIG_DATA_MAX_BYTES:
        yield "data", f"holds {size} bytes; a {obj.get('kind')} holds at most {CONFIG_DATA_MAX_BYTES}", _VALIDATION


def _is_label(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 63 and re.fullmatch(DNS1123_LABEL, value) is not None


def _is_port_name(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 15
        and re.fullmatch(_IANA_SVC_NAME, value) is not None
        and "--" not in value
        and re.search(r"[a-z]", value) is not None
    )
