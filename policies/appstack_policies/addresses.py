"""How much of the internet a set of CIDR blocks reaches.

Rules judge effective reach, not spelling: ``0::/0``, ``::/0`` and two ``/1`` halves all
reach every internet address. Reach counts only internet-routable addresses (private,
loopback, link-local, documentation and multicast ranges are left out), so a VPC CIDR
never counts while a huge public block does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv4 ranges that are not reachable from the internet (RFC 6890 special-purpose blocks).
NOT_INTERNET_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",  # multicast and reserved (224/4 + 240/4)
    )
)
# IPv6 internet addresses are the global unicast space.
INTERNET_V6 = ipaddress.IPv6Network("2000::/3")

# A source set reaching at least this many internet addresses counts as "the internet":
# a /8's worth of IPv4 (1/256 of the space) and, for IPv6, a /8's worth as well. No
# allowlist of real clients is that wide; anything wider is a way of writing 0.0.0.0/0.
WIDE_V4 = 2**24
WIDE_V6 = 2**120


def parse_cidr(value: Any) -> Network | None:
    """A CIDR string as a network (host bits ignored, as AWS normalizes them); None if not one."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _internet_addresses(network: Network) -> int:
    if network.version == 6:
        if network.subnet_of(INTERNET_V6):  # type: ignore[arg-type]
            return network.num_addresses
        return INTERNET_V6.num_addresses if INTERNET_V6.subnet_of(network) else 0  # type: ignore[arg-type]
    count = network.num_addresses
    for excluded in NOT_INTERNET_V4:
        if network.subnet_of(excluded):  # type: ignore[arg-type]
            return 0
        if excluded.subnet_of(network):  # type: ignore[arg-type]
            count -= excluded.num_addresses
    return count


def internet_reach(cidrs: Iterable[Any]) -> tuple[int, int]:
    """Internet addresses (IPv4, IPv6) reached by the union of ``cidrs`` (overlaps counted once)."""
    networks = [n for n in (parse_cidr(c) for c in cidrs) if n is not None]
    reach = [0, 0]
    for version, index in ((4, 0), (6, 1)):
        same_family = [n for n in networks if n.version == version]
        reach[index] = sum(_internet_addresses(n) for n in ipaddress.collapse_addresses(same_family))  # type: ignore[misc]
    return reach[0], reach[1]


def is_internet_wide(cidrs: Iterable[Any]) -> bool:
    v4, v6 = internet_reach(list(cidrs))
    return v4 >= WIDE_V4 or v6 >= WIDE_V6


def reaches_internet(cidr: Any) -> bool:
    """True when the block holds at least one internet address (it contributes to reach)."""
    return any(internet_reach([cidr]))


def is_large(cidr: Any) -> bool:
    """A block worth naming in a finding: 1/256 of the internet-wide threshold or more (IPv4 /16)."""
    v4, v6 = internet_reach([cidr])
    return v4 >= WIDE_V4 // 256 or v6 >= WIDE_V6 // 256
