"""Network exposure: security groups (inline and standalone rules) and load balancers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .addresses import is_internet_wide
from .model import ADVISORY, MANDATORY, Finding, Resource, RuleContext, RuleSet, Stack
from .sg_grants import (
    EGRESS_RULE,
    PREFIX_LIST_ENTRY,
    PREFIX_LISTS,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SG_TYPES,
    Permission,
    Segment,
    ingress_grants,
    permissions,
    port_segments,
)
from .values import is_opaque, items_of, lookup, must_be_true_but_is_not

# pulumi-aws registers every aws:lb resource also under an aws:alb alias token.
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LOAD_BALANCER, LISTENER = LOAD_BALANCERS[0], LISTENERS[0]

DATA_PORTS = {5432: "PostgreSQL", 6379: "Redis"}
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}

rules = RuleSet()


def _world_ingress_to(stack: Stack, ports: dict[int, str]) -> Iterator[Finding]:
    grants = ingress_grants(stack)
    for grant in grants:
        if not is_internet_wide(grant.cidrs):
            continue
        if grant.all_traffic:
            yield Finding(f"{grant.label} allows {grant.wide_sources} to all ports.", grant.urn)
            continue
        for port, service in ports.items():
            if grant.opens_tcp_port(port):
                yield Finding(f"{grant.label} allows {grant.wide_sources} to port {port} ({service}).", grant.urn)
    # Blocks that are each narrow may still add up to the internet on one group and port.
    for port, service in ports.items():
        by_group: dict[str, list[Permission]] = {}
        for grant in grants:
            if grant.opens_tcp_port(port) and not is_internet_wide(grant.cidrs):
                by_group.setdefault(grant.group, []).append(grant)
        for together in by_group.values():
            if len(together) > 1 and is_internet_wide(c for g in together for c in g.cidrs):
                names = ", ".join(_grant_name(stack, g) for g in together)
                yield Finding(f"{names} together allow the internet to port {port} ({service}).", together[0].urn)


def _grant_name(stack: Stack, grant: Permission) -> str:
    name = next(r.name for r in stack.resources if r.urn == grant.urn)
    return name if grant.label in ("ingress", "egress") else f"{name} {grant.label}"


SG_STACK_TYPES = [*SG_TYPES, *PREFIX_LISTS, PREFIX_LIST_ENTRY]
REACH = (
    "Internet-wide means any set of sources (IPv4, IPv6, prefix-list entries) whose union reaches a /8's worth of "
    "internet addresses, e.g. 0.0.0.0/0, 0::/0 or 0.0.0.0/1 + 128.0.0.0/1."
)


@rules.stack(
    "sg-no-world-ingress-data-ports",
    MANDATORY,
    "Security groups must not open PostgreSQL (5432), Redis (6379) or all ports to internet-wide sources.",
    "Allow ingress only from the application's security group (referencedSecurityGroupId) or VPC CIDRs. " + REACH,
    types=SG_STACK_TYPES,
)
def sg_no_world_ingress_data_ports(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Databases, caches and wide-open groups must never be reachable from the whole internet, however the
    sources are spelled or split.
    """
    yield from _world_ingress_to(stack, DATA_PORTS)


@rules.stack(
    "sg-no-world-ingress-admin-ports",
    MANDATORY,
    "Security groups must not open SSH (22) or RDP (3389) to internet-wide sources.",
    "Remove the rule; use SSM Session Manager or ECS Exec for shell access. " + REACH,
    types=SG_STACK_TYPES,
)
def sg_no_world_ingress_admin_ports(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """SSH and RDP exposed to the internet are scanned and brute-forced within minutes."""
    yield from _world_ingress_to(stack, ADMIN_PORTS)


@rules.stack(
    "sg-world-ingress-web-ports-only",
    MANDATORY,
    "Internet-wide ingress may only reach ports 80 and 443 (TCP, or UDP for HTTP/3) and ICMP.",
    "Put the service behind the load balancer, or restrict the sources to known client ranges. " + REACH,
    types=SG_STACK_TYPES,
)
def sg_world_ingress_web_ports_only(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Only the load balancer's web listeners are meant for the whole internet; any other open port (a
    database, an admin UI, a debug server) is an attack surface nobody reviewed, whether one rule opens it to
    the internet or several narrow rules of the group do together.
    """
    grants = ingress_grants(stack)
    for grant in grants:
        if is_internet_wide(grant.cidrs) and not grant.web_only:
            yield Finding(f"{grant.label} allows {grant.wide_sources} to {grant.ports}.", grant.urn)
    # Narrow grants of one group add up per port: two /9 halves of a /8 on port 22, whether inline, a
    # SecurityGroupRule or a vpc IngressRule, reach as much of the internet as the /8 does.
    by_group: dict[str, list[Permission]] = {}
    for grant in grants:
        if not is_internet_wide(grant.cidrs):
            by_group.setdefault(grant.group, []).append(grant)
    for together in by_group.values():
        merged: list[Segment] = []
        for segment in port_segments(together):
            if segment.web_only or not is_internet_wide(c for g in segment.grants for c in g.cidrs):
                continue
            last = merged[-1] if merged else None
            if last and last.family == segment.family and last.high + 1 == segment.low:
                grants_of_both = tuple(dict.fromkeys((*last.grants, *segment.grants)))
                merged[-1] = Segment(last.family, last.low, segment.high, grants_of_both)
            else:
                merged.append(segment)
        for segment in merged:
            names = ", ".join(_grant_name(stack, g) for g in segment.grants)
            yield Finding(f"{names} together allow the internet to {segment.ports}.", segment.grants[0].urn)


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
        if grant.all_traffic and is_internet_wide(grant.cidrs):
            yield f"{grant.label} allows all traffic to {grant.wide_sources}."


def _redirects_to_https(action: Any) -> bool:
    return (
        isinstance(action, dict)
        and action.get("type") == "redirect"
        and str(lookup(action, "redirect.protocol")).upper() == "HTTPS"
    )


@rules.resource(
    "alb-listener-https",
    MANDATORY,
    LISTENERS,
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
    LISTENERS,
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
    LOAD_BALANCERS,
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
    LOAD_BALANCERS,
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
    LOAD_BALANCERS,
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
    LOAD_BALANCERS,
    "Load balancers should have deletion protection.",
    "Set enableDeletionProtection to true.",
)
def alb_deletion_protection(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A public entry point deleted by mistake takes the whole application offline and changes its DNS
    name.
    """
    if must_be_true_but_is_not(r.get("enableDeletionProtection")):
        yield "enableDeletionProtection is not true."
