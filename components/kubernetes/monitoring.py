"""Monitoring: the stack-wide kube-prometheus-stack release in a namespace held to the same rules as apps.

The `monitoring` namespace is created here (not by Helm) so it carries Pod Security labels: `baseline`
enforced (no host namespaces, host paths or privileged pods) with `restricted` audited and warned.
The chart's node-exporter needs the host's network, PID namespace and filesystem, which no enforced
profile short of `privileged` admits, so it is switched off (the dashboards read kubelet/cAdvisor
metrics). NetworkPolicies deny everything, then allow DNS, traffic inside the namespace, the API
server, Prometheus scraping (pods in any namespace, kubelets on 10250), the admission webhook the
API server calls, and Alertmanager's receivers (HTTPS outside the cluster). Grafana's admin password
is generated (pulumi-random, or config for real-engine runs: components/generated.py) and reaches the
chart only as an existing Secret, never in values.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from appstack.components.generated import GENERATED_CONFIG

from appstack.stackconfig import KubernetesSettings

from .common import MANAGED_BY, TYPE_PREFIX, child
from .namespace import PSA

CHART_REPOSITORY = "https://prometheus-community.github.io/helm-charts"
GRAFANA_ADMIN = "grafana-admin"
KUBELET_PORT = 10250  # kubelet metrics; also the prometheus-operator webhook's port
NS_NAME = "kubernetes.io/metadata.name"
PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]


# The policy pack admits an enforced `baseline` only with a stated reason (k8s-namespace-pod-security).
PSA_JUSTIFICATION = "appstack.dev/pod-security-justification"
BASELINE_REASON = (
    "kube-prometheus-stack: not every pod of the chart sets the restricted profile's securityContext; "
    "restricted is audited and warned"
)


def monitoring_psa_labels() -> dict[str, str]:
    labels = {f"{PSA}/enforce": "baseline", f"{PSA}/enforce-version": "latest"}
    for mode in ("audit", "warn"):
        labels[f"{PSA}/{mode}"] = "restricted"
        labels[f"{PSA}/{mode}-version"] = "latest"
    return labels


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def monitoring_policies(settings: KubernetesSettings) -> dict[str, dict[str, Any]]:
    """name -> NetworkPolicy spec of the monitoring namespace."""
    api = [{"ipBlock": {"cidr": c}} for c in settings.api_server_cidrs]
    anywhere = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    return {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"namespaceSelector": {"matchLabels": {NS_NAME: "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]},
        "allow-same-namespace": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                 "ingress": [{"from": [{"podSelector": {}}]}],
                                 "egress": [{"to": [{"podSelector": {}}]}]},
        "allow-api-server": {"podSelector": {}, "policyTypes": ["Egress"],
                             "egress": [{**({"to": api} if api else {}), "ports": _tcp(443, 6443)}]},
        # The API server calls the operator's admission webhook from the control plane's address.
        "allow-webhook": {"podSelector": {}, "policyTypes": ["Ingress"],
                          "ingress": [{"from": anywhere, "ports": _tcp(KUBELET_PORT)}]},
        "allow-scrape": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {}}]}, {"to": anywhere, "ports": _tcp(KUBELET_PORT)}]},
        "allow-alertmanager-receivers": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE}}], "ports": _tcp(443)}]},
    }


class Monitoring(pulumi.ComponentResource):
    """Outputs: `namespace`, `release` (the chart), `policy_names`."""

    def __init__(self, name: str, settings: KubernetesSettings, protect: bool,
                 opts: pulumi.ResourceOptions | None = None, retention: str | None = None, *,
                 generated_from_config: bool = False):
        super().__init__(f"{TYPE_PREFIX}:Monitoring", name, None, opts)
        obs = settings.observability
        labels = {"app.kubernetes.io/managed-by": MANAGED_BY}
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": obs.namespace, "labels": {**labels, **monitoring_psa_labels()},
                      "annotations": {PSA_JUSTIFICATION: BASELINE_REASON}},
            opts=child(self, protect=protect))  # deleting it would delete Prometheus and its data
        ns = namespace.metadata.apply(lambda m: m["name"] if m else obs.namespace)
        self.policy_names = []
        for policy, spec in monitoring_policies(settings).items():
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy}", metadata={"name": policy, "namespace": ns, "labels": labels}, spec=spec,
                opts=child(self))
            self.policy_names.append(policy)
        # Not generated.random_password: its character-class minimums would replace the shipped password.
        password_name = f"{name}-grafana-admin-password"
        password = (pulumi.Config(GENERATED_CONFIG).require_secret(password_name) if generated_from_config else
                    random.RandomPassword(password_name, length=32, special=False,
                                          opts=child(self, protect=protect)).result)
        admin = k8s.core.v1.Secret(
            f"{name}-grafana-admin", metadata={"name": GRAFANA_ADMIN, "namespace": ns, "labels": labels},
            type="Opaque", string_data=pulumi.Output.secret({"admin-password": password, "admin-user": "admin"}),
            opts=child(self))
        self.release = k8s.helm.v3.Release(
            "kube-prometheus-stack",
            name="kube-prometheus-stack",
            chart="kube-prometheus-stack",
            version=obs.chart_version,
            repository_opts={"repo": CHART_REPOSITORY},
            namespace=ns,
            create_namespace=False,
            atomic=True,
            cleanup_on_fail=True,
            values={
                "prometheus": {"prometheusSpec": {
                    "serviceMonitorSelector": {"matchLabels": {"release": obs.release_label}},
                    "ruleSelector": {"matchLabels": {"release": obs.release_label}},
                    "serviceMonitorNamespaceSelector": {},
                    "ruleNamespaceSelector": {},
                    # The longest metrics_retention of the stack's apps; else the chart's default (10d).
                    **({"retention": retention} if retention else {}),
                }},
                "nodeExporter": {"enabled": False},  # needs host namespaces: privileged only
                "grafana": {
                    "admin": {"existingSecret": GRAFANA_ADMIN, "userKey": "admin-user",
                              "passwordKey": "admin-password"},
                    "sidecar": {"dashboards": {"enabled": True, "label": "grafana_dashboard",
                                               "searchNamespace": "ALL"}},
                },
            },
            # It was a child of the platform before this component held it: same release, not a reinstall.
            opts=child(self, depends_on=[namespace, admin],
                       aliases=[pulumi.Alias(parent=opts.parent if opts else None)]),
        )
        self.namespace = obs.namespace
        self.register_outputs({"namespace": self.namespace, "policy_names": self.policy_names})
