"""AppNamespace: the namespace an app runs in, enforcing the Pod Security `restricted` profile.

Named <namespace_prefix><app>; it carries the app's common labels and the Pod Security Admission
labels (enforce, audit and warn at `restricted`, latest version), so a pod that could run privileged,
as root or with extra capabilities is rejected by the API server.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from appstack.naming import kubernetes as naming

from .common import TYPE_PREFIX, child

PSA = "pod-security.kubernetes.io"
PSA_LEVEL = "restricted"


def namespace_name(prefix: str, app: str) -> str:
    return naming.namespace_name(prefix, app)


def psa_labels() -> dict[str, str]:
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"{PSA}/{mode}"] = PSA_LEVEL
        labels[f"{PSA}/{mode}-version"] = "latest"
    return labels


@dataclass(frozen=True)
class AppNamespaceArgs:
    name: str
    labels: dict[str, str]
    protect: bool  # deleting a namespace deletes every object and volume claim in it


class AppNamespace(pulumi.ComponentResource):
    """Outputs: `name` (an output, so objects created in the namespace wait for it)."""

    def __init__(self, name: str, args: AppNamespaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Namespace", name, None, opts)
        self.namespace = k8s.core.v1.Namespace(
            name,
            metadata={"name": args.name, "labels": {**args.labels, **psa_labels()}},
            opts=child(self, protect=args.protect),
        )
        self.name: pulumi.Output[str] = self.namespace.metadata.apply(lambda m: m["name"] if m else args.name)
        self.register_outputs({"name": self.name})
