"""Security-group grants in one shape, whatever resource wrote them: inline ingress/egress,
SecurityGroupRule, vpc Ingress/EgressRule, and the CIDRs of managed prefix lists they use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .addresses import is_internet_wide, is_large, reaches_internet
from .model import Resource, Stack
from .values import as_int, is_opaque, items_of

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
PREFIX_LISTS = ("aws:ec2/managedPrefixList:ManagedPrefixList",)
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"

ALL_PROTOCOLS = {"-1", "all"}
TCP_PROTOCOLS = {"tcp", "6"} | ALL_PROTOCOLS
UDP_PROTOCOLS = {"udp", "17"}
WEB_PORTS = (80, 443)


@dataclass(frozen=True)
class Permission:
    """One ingress or egress grant, whatever resource shape it came from."""

    urn: str
    label: str
    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[str, ...]  # as written; prefix-list entries as "CIDR via prefix list NAME"
    cidrs: tuple[str, ...]  # the CIDR of each source
    group: str  # the security group the grant opens (URN or id), for per-group unions

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

    @property
    def web_only(self) -> bool:
        """TCP or UDP (HTTP/3) to 80 or 443 alone, or ICMP (path MTU discovery needs it)."""
        protocol = str(self.protocol).lower()
        if protocol in ("icmp", "1", "icmpv6", "58"):
            return True
        if self.all_traffic:
            return False
        low, high = as_int(self.from_port), as_int(self.to_port)
        if low is None or high is None:
            return True  # unknown ports cannot be judged
        return protocol in TCP_PROTOCOLS - ALL_PROTOCOLS | UDP_PROTOCOLS and low == high and low in WEB_PORTS

    @property
    def ports(self) -> str:
        if self.all_traffic:
            return "all ports"
        low, high = as_int(self.from_port), as_int(self.to_port)
        return f"port {low}" if low == high else f"ports {low}-{high}"

    @property
    def wide_sources(self) -> str:
        """The sources that make the grant internet-wide, as written (small blocks beside them left out)."""
        reaching = [(s, c) for s, c in zip(self.sources, self.cidrs, strict=True) if reaches_internet(c)]
        large = [s for s, c in reaching if is_large(c)]
        return " and ".join(large or [s for s, _ in reaching])


def _literals(*values: Any) -> list[str]:
    return [v for value in values for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]


def _prefix_lists(stack: Stack) -> dict[str, list[tuple[str, str]]]:
    """Prefix list URN (and id, when known) -> (CIDR, list name) of every entry, inline or standalone."""
    entries: dict[str, list[tuple[str, str]]] = {}
    lists = stack.of_type(*PREFIX_LISTS)
    for pl in lists:
        found = [(e.get("cidr"), pl.name) for e in items_of(pl.get("entries")) if isinstance(e, dict)]
        entries[pl.urn] = found
        for standalone in stack.of_type(PREFIX_LIST_ENTRY):
            if standalone.depends_on(pl):
                found.append((standalone.get("cidr"), pl.name))
        for key in (pl.get("id"), pl.get("name")):
            if isinstance(key, str):
                entries.setdefault(key, found)
    return entries


def _via_prefix_lists(r: Resource, ids: Any, lists: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    if ids in (None, []):
        return []
    found = [entry for pl in _literals(ids) for entry in lists.get(pl, [])]
    if found:
        return found
    # At preview the list id is unknown: the grant's dependencies name the lists it may use. One
    # candidate is the one; with several, only a reach they all share is certain (unknown never fails).
    candidates = [lists[urn] for urn in r.dependencies if urn in lists]
    if len(candidates) == 1 or (candidates and all(is_internet_wide(c for c, _ in e) for e in candidates)):
        return candidates[0]
    return []


def _group_of(r: Resource, group_urns: set[str]) -> str:
    group = r.get("securityGroupId")
    if isinstance(group, str):
        return group
    owners = [urn for urn in r.dependencies if urn in group_urns]
    return owners[0] if len(owners) == 1 else r.urn


def permissions(
    r: Resource,
    direction: str,
    stack: Stack | None = None,
    lists: dict[str, list[tuple[str, str]]] | None = None,
    group_urns: set[str] | None = None,
) -> list[Permission]:
    """Grants of ``direction`` ("ingress"/"egress") on any SG resource shape that reach the internet.
    ``lists`` and ``group_urns`` are derived from ``stack`` unless a caller walking many grants passes them."""
    stack = stack or Stack((r,))
    lists = _prefix_lists(stack) if lists is None else lists
    if group_urns is None:
        group_urns = {sg.urn for sg in stack.of_type(SECURITY_GROUP)}
    shapes: list[tuple[str, Any, Any, Any, list[str], list[tuple[str, str]], str]] = []
    if r.type == SECURITY_GROUP:
        for index, item in enumerate(items_of(r.get(direction))):
            if not isinstance(item, dict):
                continue
            cidrs = _literals(item.get("cidrBlocks"), item.get("ipv6CidrBlocks"))
            via = _via_prefix_lists(r, item.get("prefixListIds"), lists)
            shapes.append(
                (
                    f"{direction}[{index}]",
                    item.get("protocol"),
                    item.get("fromPort"),
                    item.get("toPort"),
                    cidrs,
                    via,
                    r.urn,
                )
            )
    elif r.type == SECURITY_GROUP_RULE and r.get("type") == direction:
        cidrs = _literals(r.get("cidrBlocks"), r.get("ipv6CidrBlocks"))
        via = _via_prefix_lists(r, r.get("prefixListIds"), lists)
        shapes.append(
            (direction, r.get("protocol"), r.get("fromPort"), r.get("toPort"), cidrs, via, _group_of(r, group_urns))
        )
    elif r.type == {"ingress": INGRESS_RULE, "egress": EGRESS_RULE}[direction]:
        cidrs = _literals(r.get("cidrIpv4"), r.get("cidrIpv6"))
        via = _via_prefix_lists(r, r.get("prefixListId"), lists)
        shapes.append(
            (direction, r.get("ipProtocol"), r.get("fromPort"), r.get("toPort"), cidrs, via, _group_of(r, group_urns))
        )
    grants = []
    for label, protocol, low, high, cidrs, via, group in shapes:
        sources = [*cidrs, *(f"{cidr} via prefix list {name}" for cidr, name in via)]
        all_cidrs = [*cidrs, *(cidr for cidr, _ in via)]
        if not is_opaque(protocol) and any(reaches_internet(c) for c in all_cidrs):
            grants.append(Permission(r.urn, label, protocol, low, high, tuple(sources), tuple(all_cidrs), group))
    return grants


def ingress_grants(stack: Stack) -> list[Permission]:
    lists, group_urns = _prefix_lists(stack), {sg.urn for sg in stack.of_type(SECURITY_GROUP)}
    return [g for r in stack.of_type(*SG_TYPES) for g in permissions(r, "ingress", stack, lists, group_urns)]


SG_TYPES = [SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE]


def _family(protocol: Any) -> str | None:
    """ "all", "tcp", "udp" or another IP protocol; None for ICMP (never judged: path MTU discovery needs it)."""
    name = str(protocol).lower()
    if name in ALL_PROTOCOLS:
        return "all"
    if name in ("icmp", "1", "icmpv6", "58"):
        return None
    return {"6": "tcp", "17": "udp"}.get(name, name)


@dataclass(frozen=True)
class Segment:
    """A protocol and port range opened by exactly the same grants throughout."""

    family: str
    low: int
    high: int
    grants: tuple[Permission, ...]

    @property
    def web_only(self) -> bool:
        return self.family in ("tcp", "udp") and self.low == self.high and self.low in WEB_PORTS

    @property
    def ports(self) -> str:
        if self.family == "all":
            return "all ports"
        if self.family not in ("tcp", "udp"):
            return f"protocol {self.family}"
        if (self.low, self.high) == (0, 65535):
            return "all TCP ports" if self.family == "tcp" else "all UDP ports"
        prefix = "UDP " if self.family == "udp" else ""
        return f"{prefix}port {self.low}" if self.low == self.high else f"{prefix}ports {self.low}-{self.high}"


def port_segments(grants: Iterable[Permission]) -> Iterator[Segment]:
    """Split the grants' protocols and port ranges into segments, each with every grant that opens it, so
    the sources reaching one port can be unioned. An all-protocols grant opens every port of every protocol;
    segments opened by all-protocols grants alone come out once, as family "all"."""
    spans: list[tuple[str, int, int, Permission]] = []
    for grant in grants:
        family = _family(grant.protocol)
        low, high = (as_int(grant.from_port), as_int(grant.to_port)) if family in ("tcp", "udp") else (0, 65535)
        if family is not None and low is not None and high is not None:
            spans.append((family, low, high, grant))
    for family in dict.fromkeys(f for f, *_ in sorted(spans, key=lambda s: s[0] != "all")):
        own = [s for s in spans if s[0] in (family, "all")]
        edges = sorted({low for _, low, _, _ in own} | {high + 1 for _, _, high, _ in own})
        for low, next_low in zip(edges, edges[1:], strict=False):
            opening = tuple(g for _, a, b, g in own if a <= low and next_low - 1 <= b)
            if family != "all" and all(_family(g.protocol) == "all" for g in opening):
                continue  # already a segment of family "all"
            if opening:
                yield Segment(family, low, next_low - 1, opening)
