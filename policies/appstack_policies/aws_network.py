"""Network exposure: security groups (inline and standalone rules) and load balancers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model import ADVISORY, MANDATORY, Resource, RuleContext, RuleSet
from .values import as_int, is_opaque, items_of, lookup, must_be_true_but_is_not

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"

WORLD_CIDRS = ("0.0.0.0/0", "::/0")
ALL_PROTOCOLS = {"-1", "all"}
TCP_PROTOCOLS = {"tcp", "6"} | ALL_PROTOCOLS
DATA_PORTS = {5432: "PostgreSQL", 6379: "Redis"}
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}

rules = RuleSet()


@dataclass(frozen=True)
class Permission:
    """One ingress or egress grant, whatever resource shape it came from."""

    label: str
    protocol: Any
    from_port: Any
    to_port: Any
    world_cidrs: tuple[str, ...]

    @property
    def all_traffic(self) -> bool:
        if str(self.protocol).lower() in ALL_PROTOCOLS:
            return True
        low, high = as_int(self.from_port), as_int(self.to_port)
        return str(self.protocol).lower() in TCP_PROTOCOLS and low == 0 and high == 65535

    def opens_tcp_port(self, port: int) -> bool:
        if self.all_traffic:
            return True
        low, high = as_int(self.from_port), as_int(self.to_port)
        if str(self.protocol).lower() not in TCP_PROTOCOLS or low is None or high is None:
            return False
        return low <= port <= high


def _world(*cidr_values: Any) -> tuple[str, ...]:
    found = []
    for value in cidr_values:
        for cidr in value if isinstance(value, list) else [value]:
            if cidr in WORLD_CIDRS:
                found.append(cidr)
    return tuple(found)


def permissions(r: Resource, direction: str) -> list[Permission]:
    """World-reachable grants of ``direction`` ("ingress"/"egress") on any SG resource shape."""
    grants: list[Permission] = []
    if r.type == SECURITY_GROUP:
        for index, item in enumerate(items_of(r.get(direction))):
            if not isinstance(item, dict) or is_opaque(item):
                continue
            cidrs = _world(lookup(item, "cidrBlocks"), lookup(item, "ipv6CidrBlocks"))
            grants.append(
                Permission(
                    f"{direction}[{index}]", item.get("protocol"), item.get("fromPort"), item.get("toPort"), cidrs
                )
            )
    elif r.type == SECURITY_GROUP_RULE and r.get("type") == direction:
        cidrs = _world(r.get("cidrBlocks"), r.get("ipv6CidrBlocks"))
        grants.append(Permission(direction, r.get("protocol"), r.get("fromPort"), r.get("toPort"), cidrs))
    elif r.type == {"ingress": INGRESS_RULE, "egress": EGRESS_RULE}[direction]:
        cidrs = _world(r.get("cidrIpv4"), r.get("cidrIpv6"))
        grants.append(Permission(direction, r.get("ipProtocol"), r.get("fromPort"), r.get("toPort"), cidrs))
    return [g for g in grants if g.world_cidrs and not is_opaque(g.protocol)]


def _world_ingress_to(r: Resource, ports: dict[int, str]) -> Iterator[str]:
    for grant in permissions(r, "ingress"):
        sources = " and ".join(grant.world_cidrs)
        if grant.all_traffic:
            yield f"{grant.label} allows {sources} to all ports."
            continue
        for port, service in ports.items():
            if grant.opens_tcp_port(port):
                yield f"{grant.label} allows {sources} to port {port} ({service})."


SG_TYPES = [SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE]


@rules.resource(
    "sg-no-world-ingress-data-ports",
    MANDATORY,
    SG_TYPES,
    "Security groups must not open PostgreSQL (5432), Redis (6379) or all ports to 0.0.0.0/0 or ::/0.",
    "Allow ingress only from the application's security group (referencedSecurityGroupId) or VPC CIDRs.",
)
def sg_no_world_ingress_data_ports(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Databases, caches and wide-open groups must never be reachable from the whole internet."""
    yield from _world_ingress_to(r, DATA_PORTS)


@rules.resource(
    "sg-no-world-ingress-admin-ports",
    MANDATORY,
    SG_TYPES,
    "Security groups must not open SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0.",
    "Remove the rule; use SSM Session Manager or ECS Exec for shell access.",
)
def sg_no_world_ingress_admin_ports(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """SSH and RDP exposed to the internet are scanned and brute-forced within minutes."""
    yield from _world_ingress_to(r, ADMIN_PORTS)


@rules.resource(
    "sg-unrestricted-egress",
    ADVISORY,
    [SECURITY_GROUP, SECURITY_GROUP_RULE, EGRESS_RULE],
    "Security groups should not allow all egress traffic to the internet.",
    "Limit egress to the ports and destinations the workload needs (e.g. 443, VPC endpoints).",
)
def sg_unrestricted_egress(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Open egress lets a compromised task exfiltrate data or reach command-and-control freely."""
    for grant in permissions(r, "egress"):
        if grant.all_traffic:
            yield f"{grant.label} allows all traffic to {' and '.join(grant.world_cidrs)}."


def _redirects_to_https(action: Any) -> bool:
    return (
        isinstance(action, dict)
        and action.get("type") == "redirect"
        and str(lookup(action, "redirect.protocol")).upper() == "HTTPS"
    )


@rules.resource(
    "alb-listener-https",
    MANDATORY,
    [LISTENER],
    "Load balancer listeners must serve HTTPS, or only redirect HTTP to HTTPS.",
    "Use protocol HTTPS with a certificate; keep port 80 only as a redirect action to HTTPS.",
)
def alb_listener_https(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Plain HTTP exposes cookies, tokens and data to anyone on the network path."""
    actions = r.get("defaultActions")
    if r.get("protocol") != "HTTP" or is_opaque(actions):
        return
    opaque = (
        is_opaque(a) or is_opaque(lookup(a, "type")) or is_opaque(lookup(a, "redirect.protocol"))
        for a in items_of(actions)
    )
    if any(opaque):
        return
    if not items_of(actions) or not all(_redirects_to_https(a) for a in items_of(actions)):
        yield "HTTP listener serves traffic instead of only redirecting to HTTPS."


# Names of ELB policies that refuse TLS 1.0/1.1 (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06).
TLS12_POLICY = re.compile(r"TLS13-1-[23]|TLS-1-[23]|FS-1-2")


@rules.resource(
    "alb-listener-tls-policy",
    MANDATORY,
    [LISTENER],
    "HTTPS/TLS listeners must use a security policy that requires TLS 1.2 or later.",
    "Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS 1.2+ policy).",
)
def alb_listener_tls_policy(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996)."""
    if r.get("protocol") not in ("HTTPS", "TLS"):
        return
    policy = r.get("sslPolicy")
    if policy is None:
        yield "sslPolicy is not set: the default policy accepts TLS 1.0."
    elif isinstance(policy, str) and not TLS12_POLICY.search(policy):
        yield f"sslPolicy {policy} accepts TLS versions below 1.2."


def _is_application_lb(r: Resource) -> bool:
    return r.get("loadBalancerType") in (None, "application")


@rules.resource(
    "alb-drop-invalid-headers",
    MANDATORY,
    [LOAD_BALANCER],
    "Application load balancers must drop invalid HTTP header fields.",
    "Set dropInvalidHeaderFields to true (prevents header smuggling to the targets).",
)
def alb_drop_invalid_headers(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Invalid header fields are a vector for request smuggling and header injection into the targets."""
    if _is_application_lb(r) and must_be_true_but_is_not(r.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields is not true."


@rules.resource(
    "alb-desync-mitigation",
    ADVISORY,
    [LOAD_BALANCER],
    "Application load balancers should not run desync mitigation in monitor mode.",
    "Leave desyncMitigationMode at defensive or set it to strictest.",
)
def alb_desync_mitigation(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Monitor mode forwards ambiguous requests that enable HTTP desync attacks."""
    if _is_application_lb(r) and r.get("desyncMitigationMode") == "monitor":
        yield "desyncMitigationMode is monitor: request smuggling attempts are only logged."


@rules.resource(
    "alb-access-logs",
    ADVISORY,
    [LOAD_BALANCER],
    "Load balancers should write access logs.",
    "Set accessLogs with enabled=true and an S3 bucket.",
)
def alb_access_logs(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Access logs are the record needed to investigate abuse of a public endpoint."""
    if must_be_true_but_is_not(r.get("accessLogs.enabled")):
        yield "accessLogs.enabled is not true."


@rules.resource(
    "alb-deletion-protection",
    ADVISORY,
    [LOAD_BALANCER],
    "Load balancers should have deletion protection.",
    "Set enableDeletionProtection to true.",
)
def alb_deletion_protection(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A public entry point deleted by mistake takes the whole application offline and changes its DNS
    name.
    """
    if must_be_true_but_is_not(r.get("enableDeletionProtection")):
        yield "enableDeletionProtection is not true."
