"""NetworkPolicies of an app namespace: deny everything, then allow exactly what the app needs.

- default-deny: no ingress and no egress for any pod;
- allow-dns: every pod may query the cluster DNS (pods labelled k8s-app=kube-dns in kube-system, port 53);
- allow-external-egress: app pods may reach egress_cidrs minus egress_except_cidrs (private ranges),
  and an in-cluster object store (an endpoint `<service>.<namespace>.svc...`, e.g. the dev stack's
  MinIO) by namespace: ipBlock rules are meant for cluster-external addresses and several CNIs
  (Cilium among them) never match pod IPs with them;
- allow-<service>: a service accepts its port from the app's own pods, from the ingress controller
  namespace when public, and its metrics port from the monitoring namespace when observability is on;
  a metrics.scrape_only service (an exporter) accepts only the monitoring namespace on its metrics port,
  and its pods (label appstack.dev/scrape-only) reach no app service and no app pod reaches them (they
  count as none of the app's pods in allow-<service> and allow-app-egress); without the external-egress
  label they reach outside the cluster only what allow-declared-egress opens to every workload (the
  spec's `egress`, an external database's or cache's port);
- allow-declared-egress: app pods may reach the spec's `egress` rules and an external database's or
  cache's port, on those ports and blocks only (a private block would otherwise stay excepted);
- allow-app-egress: app pods may reach the app's services;
- allow-postgres / allow-redis and allow-<store>-client-egress: only pods whose env binds a store
  (label appstack.dev/<store>-client) reach it, on its port; a pod that binds none reaches none;
- allow-backup-egress (backups to s3): backup jobs and CloudNativePG reach the object store's address
  (object_storage.cidrs, else any egress_cidrs address) on its port only, never the internet at large;
- allow-workload-identity (GKE, EKS Pod Identity): pods holding an object storage identity reach
  the node-local endpoint that issues its credentials;
- allow-acme-http01 (when the app's Ingress has TLS): the ingress controller reaches the temporary
  cert-manager HTTP-01 solver pods that cert-manager starts in the app namespace to answer ACME
  challenges (label acme.cert-manager.io/http01-solver, port 8089); without it default-deny blocks
  the challenge and no certificate is ever issued.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ServiceSpec
from appstack.spec.egress import EgressRule

from .common import (
    BACKUP_EGRESS,
    COMPONENT,
    EXTERNAL_EGRESS,
    SCRAPE_ONLY,
    TYPE_PREFIX,
    AppContext,
    child,
    store_client,
)

APP_COMPONENTS = ["service", "worker", "job"]
NS_NAME = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver"
ACME_SOLVER_PORT = 8089
STORAGE_CLIENT = "appstack.dev/object-storage"  # pods holding an object storage identity (see storage.py)
# Node-local endpoints that hand out workload identity credentials (link-local, so egress_except_cidrs
# blocks them for every other pod). IRSA needs none: pods exchange their token with the public STS API.
# - EKS Pod Identity agent: 169.254.170.23 for IPv4 and fd00:ec2::23 for IPv6 clusters, plain HTTP
#   (the injected AWS_CONTAINER_CREDENTIALS_FULL_URI is http://169.254.170.23/v1/credentials); see
#   docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html and pod-id-how-it-works.html.
# - GKE metadata server: "allow egress to 169.254.169.252/32 on port 988. For clusters running GKE
#   Dataplane V2, ... 169.254.169.254/32 on port 80" (docs.cloud.google.com/kubernetes-engine/docs/
#   concepts/workload-identity, section "GKE metadata server").
IDENTITY_ENDPOINTS = {
    "eks-pod-identity": [("169.254.170.23/32", 80), ("fd00:ec2::23/128", 80)],
    "gke": [("169.254.169.254/32", 80), ("169.254.169.252/32", 988)],
}


@dataclass(frozen=True)
class DataStoreAccess:
    name: str  # policy suffix: postgres, redis
    selector: dict[str, str]  # labels of the data store's pods
    port: int
    peers_port: list[int] = field(default_factory=list)  # ports its own pods use among themselves (replication)
    operator_namespace: str | None = None  # an operator that manages the pods (CloudNativePG: port 8000)
    api_egress: bool = False  # the pods talk to the Kubernetes API (operator-managed instances)


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    ctx: AppContext
    services: dict[str, ServiceSpec]
    data_stores: list[DataStoreAccess] = field(default_factory=list)
    monitoring_namespace: pulumi.Input[str] | None = None  # set when observability is on
    acme_http01: bool = False  # the app's Ingress gets certificates: let HTTP-01 challenges through
    outbound: list[EgressRule] = field(default_factory=list)  # spec egress + external database/cache ports
    storage_identity: bool = False  # some pods hold an object storage workload identity
    backups_to_object_storage: bool = False  # backup pods (and CloudNativePG) upload to the object store


def _app_pods(scrape_only: bool = False) -> dict[str, Any]:
    """The app's pods; with scrape_only (the app has an exporter), all but the scrape-only ones."""
    expressions = [{"key": COMPONENT, "operator": "In", "values": APP_COMPONENTS}]
    if scrape_only:
        expressions.append({"key": SCRAPE_ONLY, "operator": "DoesNotExist"})
    return {"matchExpressions": expressions}


def _namespace(name: pulumi.Input[str]) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NS_NAME: name}}}


def _declared(rule: EgressRule) -> dict[str, Any]:
    port: dict[str, Any] = {"protocol": rule.protocol.upper(), "port": rule.port}
    if rule.to_port and rule.to_port != rule.port:
        port["endPort"] = rule.to_port
    return {"to": [{"ipBlock": {"cidr": cidr}} for cidr in rule.destinations], "ports": [port]}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


class NetworkPolicies(pulumi.ComponentResource):
    """Outputs: `policy_names` (the NetworkPolicy objects in the namespace)."""

    def __init__(self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:NetworkPolicies", name, None, opts)
        ctx = args.ctx
        self.policies: dict[str, k8s.networking.v1.NetworkPolicy] = {}

        def policy(suffix: str, pods: dict[str, Any], ingress: list | None = None, egress: list | None = None):
            types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
            spec: dict[str, Any] = {"podSelector": pods, "policyTypes": types}
            if ingress:
                spec["ingress"] = ingress
            if egress:
                spec["egress"] = egress
            self.policies[suffix] = k8s.networking.v1.NetworkPolicy(
                f"{name}-{suffix}", metadata=ctx.meta(suffix), spec=spec, opts=child(self))

        policy("default-deny", {}, ingress=[], egress=[])
        policy("allow-dns", {}, egress=[{
            "to": [{**_namespace(DNS_NAMESPACE), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }])
        external = [{"to": _outside(ctx)}]
        store = in_cluster_endpoint(ctx.k8s.object_storage.endpoint)
        if store:
            external.append({"to": [_namespace(store[0])], "ports": _tcp(store[1])})
        policy("allow-external-egress", {"matchLabels": {EXTERNAL_EGRESS: "true"}}, egress=external)
        exporters = any(service.scrape_only for service in args.services.values())
        app_pods = _app_pods(exporters)
        if args.outbound:  # every workload's, exporters' too: an external database's or cache's port is here
            policy("allow-declared-egress", _app_pods(), egress=[_declared(rule) for rule in args.outbound])
        if args.backups_to_object_storage:
            # Backup jobs and CloudNativePG: the object store's address and port, nothing else outside.
            endpoint = urlparse(ctx.k8s.object_storage.endpoint)
            port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
            to = ([_namespace(store[0])] if store else
                  [{"ipBlock": {"cidr": c}} for c in ctx.k8s.object_storage.cidrs] or _outside(ctx))
            policy("allow-backup-egress", {"matchLabels": {BACKUP_EGRESS: "true"}},
                   egress=[{"to": to, "ports": _tcp(store[1] if store else port)}])
        service_ports = []
        for service_name, service in sorted(args.services.items()):
            sources: list[dict[str, Any]] = [{"podSelector": app_pods}]
            if service.public:
                sources.append(_namespace(ctx.k8s.ingress_namespace))
            rules = [] if service.scrape_only else [{"from": sources, "ports": _tcp(service.port)}]
            if not service.scrape_only:
                service_ports.append(service.port)
            if args.monitoring_namespace and service.metrics:
                rules.append({"from": [_namespace(args.monitoring_namespace)],
                              "ports": _tcp(service.metrics.port or service.port)})
            policy(f"allow-{service_name}", {"matchLabels": ctx.selector(service_name)}, ingress=rules)
        if service_ports:
            policy("allow-app-egress", app_pods, egress=[{
                "to": [{"podSelector": {"matchLabels": {COMPONENT: "service"}}}],
                "ports": _tcp(*sorted(set(service_ports))),
            }])
        for store in args.data_stores:
            clients = {"podSelector": {"matchLabels": {store_client(store.name): "true"}}}
            ingress = [{"from": [clients], "ports": _tcp(store.port)}]
            egress = None
            if store.peers_port:
                ingress.append({"from": [{"podSelector": {"matchLabels": store.selector}}],
                                "ports": _tcp(*store.peers_port)})
                egress = [{"to": [{"podSelector": {"matchLabels": store.selector}}], "ports": _tcp(*store.peers_port)}]
            if store.operator_namespace:
                ingress.append({"from": [_namespace(store.operator_namespace)], "ports": _tcp(*store.peers_port)})
            if store.api_egress:
                api = [{"ipBlock": {"cidr": c}} for c in ctx.k8s.api_server_cidrs]
                egress = [*(egress or []), {**({"to": api} if api else {}), "ports": _tcp(443, 6443)}]
            policy(f"allow-{store.name}", {"matchLabels": store.selector}, ingress=ingress, egress=egress)
        if args.acme_http01:
            policy("allow-acme-http01", {"matchLabels": {ACME_SOLVER_LABEL: "true"}}, ingress=[{
                "from": [_namespace(ctx.k8s.ingress_namespace)], "ports": _tcp(ACME_SOLVER_PORT)}])
        identity = ctx.k8s.object_storage.workload_identity
        if args.storage_identity and identity is not None and identity.provider in IDENTITY_ENDPOINTS:
            policy("allow-workload-identity", {"matchLabels": {STORAGE_CLIENT: "true"}}, egress=[
                {"to": [{"ipBlock": {"cidr": cidr}}], "ports": _tcp(port)}
                for cidr, port in IDENTITY_ENDPOINTS[identity.provider]
            ])
        for store in args.data_stores:  # each store's clients reach that store's port, and only that
            policy(f"allow-{store.name}-client-egress", {"matchLabels": {store_client(store.name): "true"}}, egress=[
                {"to": [{"podSelector": {"matchLabels": store.selector}}], "ports": _tcp(store.port)}])
        self.policy_names = sorted(self.policies)
        self.register_outputs({"policy_names": self.policy_names})


def in_cluster_endpoint(url: str) -> tuple[str, int] | None:
    """(namespace, port) of a Service URL such as http://minio.minio.svc.cluster.local:9000, else None."""
    parsed = urlparse(url)
    match = re.fullmatch(r"[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.[a-z0-9.-]+)?", parsed.hostname or "")
    if not match:
        return None
    return match.group(1), parsed.port or (443 if parsed.scheme == "https" else 80)


def _outside(ctx: AppContext) -> list[dict[str, Any]]:
    """egress_cidrs minus egress_except_cidrs (private ranges, cloud metadata) as ipBlock peers."""
    return [{"ipBlock": {"cidr": cidr, **({"except": _excepted(cidr, ctx)} if _excepted(cidr, ctx) else {})}}
            for cidr in ctx.k8s.egress_cidrs]


def _excepted(cidr: str, ctx: AppContext) -> list[str]:
    """Except-blocks must lie strictly inside the cidr (and be of its IP version)."""
    outer = ipaddress.ip_network(cidr, strict=False)
    return [e for e in ctx.k8s.egress_except_cidrs
            if ipaddress.ip_network(e, strict=False).version == outer.version
            and ipaddress.ip_network(e, strict=False).subnet_of(outer)  # type: ignore[arg-type]
            and ipaddress.ip_network(e, strict=False) != outer]
