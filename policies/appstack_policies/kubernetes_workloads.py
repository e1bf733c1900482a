"""Kubernetes pod security and resource hygiene, checked on every workload's pod template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .kubernetes_pods import (
    CONFIG_MAP,
    LONG_RUNNING_TYPES,
    PERSISTENT_VOLUME,
    POD_TEMPLATE_PATH,
    WORKLOAD_TYPES,
    container_name,
    containers,
    effective,
    pod_spec,
)
from .model import ADVISORY, MANDATORY, Resource, RuleContext, RuleSet
from .secret_patterns import plaintext_env_secrets, secrets_in_plaintext
from .values import is_opaque, items_of, lookup

rules = RuleSet()


def _per_container(
    r: Resource, judge: Callable[[dict[str, Any], dict[str, Any]], str | None], include_init: bool = True
) -> Iterator[str]:
    spec = pod_spec(r)
    for container in containers(spec, include_init=include_init):
        problem = judge(spec, container)
        if problem:
            yield f"container {container_name(container)}: {problem}"


def workload_rule(rule_id: str, level: Any, description: str, remediation: str, long_running_only=False):
    types = LONG_RUNNING_TYPES if long_running_only else WORKLOAD_TYPES
    return rules.resource(rule_id, level, types, description, remediation)


@workload_rule(
    "k8s-no-privileged-containers",
    MANDATORY,
    "Kubernetes containers must not run privileged.",
    "Remove securityContext.privileged or set it to false.",
)
def k8s_no_privileged_containers(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A privileged container has full access to the node."""

    def judge(spec: dict, c: dict) -> str | None:
        privileged = lookup(c, "securityContext.privileged") is True
        return "securityContext.privileged is true." if privileged else None

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-no-host-namespaces",
    MANDATORY,
    "Pods must not share the node's network, PID or IPC namespaces.",
    "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
)
def k8s_no_host_namespaces(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Host namespaces let a pod see and reach node processes and interfaces."""
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if lookup(pod_spec(r), field) is True:
            yield f"pod spec sets {field}: true."


@rules.resource(
    "k8s-no-host-path-volumes",
    MANDATORY,
    [*WORKLOAD_TYPES, PERSISTENT_VOLUME],
    "Pods must not mount hostPath volumes, and PersistentVolumes must not be hostPath volumes.",
    "Use emptyDir, a PersistentVolumeClaim on a storage class, a ConfigMap or a Secret volume instead.",
)
def k8s_no_host_path_volumes(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """hostPath mounts expose node files (kubelet credentials, container runtime socket) to the pod; a hostPath
    PersistentVolume does the same through any claim that binds it.
    """
    if r.type == PERSISTENT_VOLUME:
        if r.get("spec.hostPath") is not None and not is_opaque(r.get("spec.hostPath")):
            yield f"PersistentVolume {r.name} is a hostPath volume ({r.get('spec.hostPath.path')})."
        return
    for volume in items_of(lookup(pod_spec(r), "volumes")):
        if isinstance(volume, dict) and volume.get("hostPath") is not None and not is_opaque(volume["hostPath"]):
            yield f"volume {volume.get('name')} mounts a hostPath."


@workload_rule(
    "k8s-no-privilege-escalation",
    MANDATORY,
    "Containers must set allowPrivilegeEscalation to false.",
    "Set securityContext.allowPrivilegeEscalation: false on every container.",
)
def k8s_no_privilege_escalation(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without it setuid binaries can gain more privileges than the container started with."""

    def judge(spec: dict, c: dict) -> str | None:
        value = lookup(c, "securityContext.allowPrivilegeEscalation")
        return None if is_opaque(value) or value is False else "allowPrivilegeEscalation is not false."

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-run-as-non-root",
    MANDATORY,
    "Containers must run with runAsNonRoot true (set on the container or the pod).",
    "Set securityContext.runAsNonRoot: true and build the image with a numeric non-root USER.",
)
def k8s_run_as_non_root(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """The kubelet refuses to start a container as root when runAsNonRoot is true."""

    def judge(spec: dict, c: dict) -> str | None:
        value = effective(spec, c, "runAsNonRoot")
        return None if is_opaque(value) or value is True else "runAsNonRoot is not true."

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-no-root-uid",
    MANDATORY,
    "Containers must not run as UID 0 (runAsUser 0 on the container or the pod).",
    "Set runAsUser to a non-zero UID (e.g. 10001).",
)
def k8s_no_root_uid(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """UID 0 in the container is UID 0 on the node after an escape."""

    def judge(spec: dict, c: dict) -> str | None:
        return "runAsUser is 0." if effective(spec, c, "runAsUser") == 0 else None

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-drop-all-capabilities",
    MANDATORY,
    "Containers must drop ALL Linux capabilities.",
    'Set securityContext.capabilities.drop: ["ALL"] and add back only what is needed.',
)
def k8s_drop_all_capabilities(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Default capabilities such as NET_RAW enable spoofing and other attacks few apps need."""

    def judge(spec: dict, c: dict) -> str | None:
        dropped = lookup(c, "securityContext.capabilities.drop")
        if is_opaque(dropped) or any(is_opaque(d) for d in items_of(dropped)):
            return None
        return None if "ALL" in items_of(dropped) else "capabilities.drop does not include ALL."

    yield from _per_container(r, judge)


# The one capability Pod Security "restricted" lets a container add back.
ALLOWED_ADDED_CAPABILITIES = {"NET_BIND_SERVICE"}


@workload_rule(
    "k8s-no-added-capabilities",
    MANDATORY,
    "Containers must not add Linux capabilities other than NET_BIND_SERVICE.",
    "Remove securityContext.capabilities.add (or keep only NET_BIND_SERVICE); listen on a port above 1024.",
)
def k8s_no_added_capabilities(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Dropping ALL means nothing if the container adds SYS_ADMIN, NET_ADMIN or NET_RAW back; Pod Security
    restricted allows only NET_BIND_SERVICE.
    """

    def judge(spec: dict, c: dict) -> str | None:
        added = [a for a in items_of(lookup(c, "securityContext.capabilities.add")) if isinstance(a, str)]
        # The runtime accepts both CAP_SYS_ADMIN and SYS_ADMIN, in any case.
        extra = [a for a in added if a.upper().removeprefix("CAP_") not in ALLOWED_ADDED_CAPABILITIES]
        return f"capabilities.add includes {', '.join(extra)}." if extra else None

    yield from _per_container(r, judge)


def _env_entries(r: Resource) -> Iterator[tuple[dict[str, Any], dict[str, Any], str, str]]:
    """(container, env entry, path of the env list, path of the entry) for every container and init container."""
    template = POD_TEMPLATE_PATH.get(r.type)
    spec_path, spec = f"{template}.spec" if template else "spec", pod_spec(r)
    for field in ("containers", "initContainers"):
        for ci, container in enumerate(items_of(lookup(spec, field))):
            if not isinstance(container, dict):
                continue
            env_path = f"{spec_path}.{field}.{ci}.env"
            for ei, entry in enumerate(items_of(container.get("env"))):
                if isinstance(entry, dict):
                    yield container, entry, env_path, f"{env_path}.{ei}"


@rules.resource(
    "k8s-no-plaintext-secret-env",
    MANDATORY,
    [*WORKLOAD_TYPES, CONFIG_MAP],
    "Container env values and ConfigMap data must not carry secrets in plaintext.",
    "Put the value in a Secret and reference it with env[].valueFrom.secretKeyRef (or envFrom.secretRef).",
)
def k8s_no_plaintext_secret_env(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A plain env value is part of the pod template (a ConfigMap is the same, one envFrom away): anyone who
    can read the Deployment or the ConfigMap (and every kubectl describe, audit log and GitOps diff) sees it,
    a Pulumi secret passed as the value included.
    """
    kind = r.type.rsplit(":", 1)[-1]
    explained: set[str] = set()
    if r.type == CONFIG_MAP:  # envFrom.configMapRef turns every key into a plain env value
        for field in ("data", "binaryData"):
            data = r.get(field)
            for key in data if isinstance(data, dict) else {}:
                held = {field, f"{field}.{key}"} & r.secrets
                if held:
                    explained |= held
                    yield f"ConfigMap {r.name}: {field} key {key} holds a Pulumi secret."
        yield from secrets_in_plaintext(r, kind, explained)
        data = r.get("data")
        keys = data.items() if isinstance(data, dict) and "data" not in explained else []
        plain = [{"name": k, "value": v} for k, v in keys if f"data.{k}" not in explained]
        for name, kind_of_value in plaintext_env_secrets(plain):
            problem = "is set in plaintext" if kind_of_value is None else f"holds what looks like {kind_of_value}"
            yield f"ConfigMap {r.name}: data key {name} {problem}."
        return
    plain = []
    for container, entry, env_path, entry_path in _env_entries(r):
        held = {env_path, entry_path, f"{entry_path}.value"} & r.secrets
        if held and "value" in entry:
            explained |= held
            name = entry.get("name")
            yield f"container {container_name(container)}: env {name} takes its value from a Pulumi secret."
        else:
            plain.append((container, entry))
    yield from secrets_in_plaintext(r, kind, explained)
    for container, entry in plain:
        for name, problem in plaintext_env_secrets([entry]):
            if problem is None:
                yield f"container {container_name(container)}: env {name} is set in plaintext."
            else:
                yield f"container {container_name(container)}: env {name} holds what looks like {problem}."


@workload_rule(
    "k8s-seccomp-runtime-default",
    MANDATORY,
    "Containers must run with the RuntimeDefault (or a Localhost) seccomp profile.",
    "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
)
def k8s_seccomp_runtime_default(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Seccomp filters block syscalls used by kernel exploits."""

    def judge(spec: dict, c: dict) -> str | None:
        profile = effective(spec, c, "seccompProfile")
        kind = lookup(profile, "type")
        if is_opaque(kind) or kind in ("RuntimeDefault", "Localhost"):
            return None
        return f"seccompProfile.type is {kind or 'not set'}, not RuntimeDefault."

    yield from _per_container(r, judge)


def image_problem(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    if "@sha256:" in image:
        return None  # pinned by digest
    last_segment = image.rsplit("/", 1)[-1]
    if ":" not in last_segment:
        return f"image {image} has no tag."
    if last_segment.rsplit(":", 1)[-1] == "latest":
        return f"image {image} uses the mutable tag latest."
    return None


@workload_rule(
    "k8s-pinned-image-tag",
    MANDATORY,
    "Container images must be pinned to an explicit tag other than latest, or a digest.",
    "Reference images as repository:version or repository@sha256:digest.",
)
def k8s_pinned_image_tag(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """latest or untagged images make rollouts unreproducible and let a registry push change running code."""
    yield from _per_container(r, lambda spec, c: image_problem(c.get("image")))


@workload_rule(
    "k8s-resource-requests",
    MANDATORY,
    "Containers must request CPU and memory.",
    "Set resources.requests.cpu and resources.requests.memory.",
)
def k8s_resource_requests(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """The scheduler places pods by their requests; without them nodes get overcommitted."""
    for resource in ("cpu", "memory"):

        def judge(spec: dict, c: dict, resource: str = resource) -> str | None:
            value = lookup(c, f"resources.requests.{resource}")
            return f"resources.requests.{resource} is not set." if value in (None, "") else None

        yield from _per_container(r, judge)


@workload_rule(
    "k8s-memory-limit",
    MANDATORY,
    "Containers must have a memory limit.",
    "Set resources.limits.memory (a container without one can starve the node).",
)
def k8s_memory_limit(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A container without a memory limit can exhaust the node and get its neighbours OOM-killed."""

    def judge(spec: dict, c: dict) -> str | None:
        value = lookup(c, "resources.limits.memory")
        return "resources.limits.memory is not set." if value in (None, "") else None

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-read-only-root-filesystem",
    ADVISORY,
    "Containers should mount their root filesystem read-only.",
    "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir where writes are needed.",
)
def k8s_read_only_root_filesystem(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A read-only root filesystem stops an attacker from modifying the container in place."""

    def judge(spec: dict, c: dict) -> str | None:
        value = lookup(c, "securityContext.readOnlyRootFilesystem")
        return None if is_opaque(value) or value is True else "readOnlyRootFilesystem is not true."

    yield from _per_container(r, judge)


@workload_rule(
    "k8s-probes",
    ADVISORY,
    "Long-running containers should have liveness and readiness probes.",
    "Add livenessProbe and readinessProbe (httpGet or tcpSocket) to every app container.",
    long_running_only=True,
)
def k8s_probes(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Without probes Kubernetes routes traffic to pods that are not ready and never restarts hung ones."""
    for probe in ("livenessProbe", "readinessProbe"):

        def judge(spec: dict, c: dict, probe: str = probe) -> str | None:
            return f"no {probe}." if c.get(probe) is None else None

        yield from _per_container(r, judge, include_init=False)


@workload_rule(
    "k8s-no-service-account-token",
    ADVISORY,
    "Pods should not mount a service account token unless they call the Kubernetes API.",
    "Set automountServiceAccountToken: false in the pod spec.",
)
def k8s_no_service_account_token(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A mounted token lets a compromised pod call the Kubernetes API."""
    spec = pod_spec(r)
    value = lookup(spec, "automountServiceAccountToken")
    if isinstance(spec, dict) and not is_opaque(value) and value is not False:
        yield "automountServiceAccountToken is not false."
