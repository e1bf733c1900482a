"""One app's security groups, built from separate rule resources that each carry a description.

* workloads: attached to every ECS task of the app. Egress: HTTPS anywhere (AWS APIs through NAT or
  endpoints, the app's external APIs), the app's own service ports (service to service), and each data
  store's port to that store's group. Ingress: the app's service ports from itself; the load balancer's
  ingress is added by the compute layer.
* postgres (5432), redis (6379), efs (2049): ingress from the workload group only, no egress at all.
* the spec's `egress` rules and an external database's or cache's port, to their CIDR blocks only.

No rule here opens ingress to 0.0.0.0/0 or ::/0.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from appstack.spec.egress import EgressRule

from .common import child, tags

DATA_PORTS = {"postgres": (5432, "PostgreSQL"), "redis": (6379, "Redis (TLS)"), "efs": (2049, "EFS (NFS over TLS)")}


@dataclass(frozen=True)
class AppSecurityGroupsArgs:
    app: str
    stack: str
    vpc_id: pulumi.Input[str]
    service_ports: dict[str, int]  # service name -> port
    data_stores: list[str]  # any of "postgres", "redis", "efs"
    endpoint_security_group_id: pulumi.Input[str] | None = None
    extra_tags: dict[str, str] = field(default_factory=dict)
    # Outbound rules beyond HTTPS, services and data stores (spec `egress`, external database or cache).
    egress: list[EgressRule] = field(default_factory=list)


class AppSecurityGroups(pulumi.ComponentResource):
    workload_id: pulumi.Output[str]
    data_ids: dict[str, pulumi.Output[str]]  # "postgres" | "redis" | "efs" -> group id

    def __init__(self, name: str, args: AppSecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:SecurityGroups", name, None, opts)
        self._name = name
        self._args = args
        workload = self._group("workloads", f"{args.app}: every ECS task of the app")
        self.workload_id = workload.id

        self._egress("https", workload.id, 443, "HTTPS to AWS APIs and external services", cidr_ipv4="0.0.0.0/0")
        for port, services in sorted(_ports_to_services(args.service_ports).items()):
            label = ", ".join(services)
            self._ingress(f"self-{port}", workload.id, port, f"service to service: {label} from app tasks",
                          source=workload.id)
            self._egress(f"self-{port}", workload.id, port, f"service to service: {label}", target=workload.id)

        self.data_ids = {}
        for store in args.data_stores:
            port, label = DATA_PORTS[store]
            group = self._group(store, f"{args.app}: {label}, reachable only from app workloads")
            self._ingress(store, group.id, port, f"{label} from app workloads", source=workload.id)
            self._egress(store, workload.id, port, f"{label} to the {store} group", target=group.id)
            self.data_ids[store] = group.id

        seen: set[str] = set()
        for rule in args.egress:
            for cidr in rule.destinations:
                key = f"egress-{rule.protocol}-{rule.port}" + (f"-{rule.to_port}" if rule.to_port else "")
                key += f"-{_cidr_label(cidr)}"
                if key not in seen:  # the same port and block from two sources is one rule
                    seen.add(key)
                    self._egress(key, workload.id, rule.port, rule.description, cidr=cidr,
                                 to_port=rule.last_port, protocol=rule.protocol)

        if args.endpoint_security_group_id is not None:
            self._ingress("endpoints", args.endpoint_security_group_id, 443,
                          f"HTTPS to interface endpoints from {args.app} workloads", source=workload.id)
        self.register_outputs({"workload_id": self.workload_id, "data_ids": self.data_ids})

    def _group(self, role: str, description: str) -> aws.ec2.SecurityGroup:
        # No inline rules: the provider removes AWS's default allow-all egress rule on creation.
        return aws.ec2.SecurityGroup(
            f"{self._name}-{role}", vpc_id=self._args.vpc_id, description=description, revoke_rules_on_delete=True,
            tags={**tags(self._args.stack, self._args.app, role), **self._args.extra_tags}, opts=child(self),
        )

    def _ingress(self, key: str, group_id: pulumi.Input[str], port: int, description: str, *,
                 source: pulumi.Input[str]) -> None:
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-in-{key}", security_group_id=group_id, ip_protocol="tcp", from_port=port, to_port=port,
            referenced_security_group_id=source, description=description, opts=child(self),
        )

    def _egress(self, key: str, group_id: pulumi.Input[str], port: int, description: str, *,
                target: pulumi.Input[str] | None = None, cidr_ipv4: str | None = None, cidr: str | None = None,
                to_port: int | None = None, protocol: str = "tcp") -> None:
        if cidr is not None:
            cidr_ipv4 = cidr if ipaddress.ip_network(cidr).version == 4 else None
        cidr_ipv6 = cidr if cidr is not None and cidr_ipv4 is None else None
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-out-{key}", security_group_id=group_id, ip_protocol=protocol, from_port=port,
            to_port=to_port or port, referenced_security_group_id=target, cidr_ipv4=cidr_ipv4, cidr_ipv6=cidr_ipv6,
            description=description, opts=child(self),
        )


def _cidr_label(cidr: str) -> str:
    """A name part for a CIDR block: 10.0.0.0/8 -> 10-0-0-0-8, 0.0.0.0/0 -> anywhere, ::/0 -> ipv6-anywhere,
    2001:db8::/32 -> ipv6-2001-db8--32 (never '::', the URN separator)."""
    network = ipaddress.ip_network(cidr)
    label = "anywhere" if network.prefixlen == 0 else network.compressed.replace(".", "-").replace(":", "-")
    return (label if network.version == 4 else f"ipv6-{label}").replace("/", "-")


def _ports_to_services(service_ports: dict[str, int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    for service, port in sorted(service_ports.items()):
        result.setdefault(port, []).append(service)
    return result
