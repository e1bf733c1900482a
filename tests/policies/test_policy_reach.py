"""Effective reach of CIDR sources (addresses.py) and prefix lists the preview cannot name."""

from __future__ import annotations

import pytest
from appstack_policies import RULES_BY_ID, evaluate
from appstack_policies.addresses import WIDE_V4, internet_reach, is_internet_wide
from policy_fixtures import UNKNOWN, res

# 2**32 minus the RFC 6890 blocks addresses.py leaves out (0/8, 10/8, 100.64/10, 127/8, 169.254/16,
# 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/3).
INTERNET_V4 = 3_702_258_688


@pytest.mark.parametrize(
    ("cidrs", "reach"),
    [
        (["0.0.0.0/0"], (INTERNET_V4, 0)),
        (["0.0.0.0/1", "128.0.0.0/1"], (INTERNET_V4, 0)),
        (["0.0.0.0/0", "0.0.0.0/1"], (INTERNET_V4, 0)),  # overlaps count once
        (["0::/0"], (0, 2**125)),  # the global unicast space 2000::/3
        (["::/0", "2000::/3"], (0, 2**125)),
        (["10.0.0.0/8", "192.168.1.0/24", "fe80::/10", "fc00::/7"], (0, 0)),
        (["81.2.69.0/24", "81.2.69.128/25"], (256, 0)),
        (["64.0.0.0/9"], (2**23, 0)),
        (["not-a-cidr", None, 42, "300.0.0.0/8", "", " 0.0.0.0/0 "], (INTERNET_V4, 0)),
    ],
)
def test_internet_reach_counts_each_internet_address_once(cidrs, reach):
    assert internet_reach(cidrs) == reach


def test_wide_threshold_is_a_slash_8_of_internet_addresses():
    assert WIDE_V4 == 2**24
    assert is_internet_wide(["64.0.0.0/8"]) and not is_internet_wide(["64.0.0.0/9"])
    assert is_internet_wide(["64.0.0.0/9", "64.128.0.0/9"])
    assert not is_internet_wide(["10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"])
    assert is_internet_wide(["2000::/8"]) and not is_internet_wide(["2001:db8::/32"])


PL = "aws:ec2/managedPrefixList:ManagedPrefixList"


def _two_lists(office: str, partners: str) -> list[dict]:
    return [
        res(PL, "office", {"entries": [{"cidr": office}]}),
        res(PL, "partners", {"entries": [{"cidr": partners}]}),
        res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "db-in",
            {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "prefixListId": UNKNOWN},
            deps=(f"{PL}::office", f"{PL}::partners"),
        ),
    ]


def _messages(resources: list[dict]) -> list[str]:
    report = evaluate(resources, tier="prod", rules=[RULES_BY_ID["sg-no-world-ingress-data-ports"]])
    return [v.message for v in report.violations]


def test_an_unknown_prefix_list_id_among_several_candidates_fails_only_when_every_candidate_is_wide():
    assert _messages(_two_lists("81.2.69.0/24", "0.0.0.0/0")) == []  # which list it uses is unknown
    assert _messages(_two_lists("::/0", "0.0.0.0/0")) == [
        "ingress allows ::/0 via prefix list office to port 5432 (PostgreSQL)."
    ]


def test_a_known_prefix_list_id_resolves_to_that_list():
    resources = _two_lists("81.2.69.0/24", "0.0.0.0/0")
    resources[1]["inputs"]["id"] = "pl-0partners"
    resources[2]["inputs"]["prefixListId"] = "pl-0partners"
    assert _messages(resources) == ["ingress allows 0.0.0.0/0 via prefix list partners to port 5432 (PostgreSQL)."]


def test_port_segments_split_ranges_per_protocol_and_fold_all_protocols_in():
    from appstack_policies.sg_grants import Permission, port_segments

    def grant(label, protocol, low, high):
        return Permission("urn", label, protocol, low, high, ("81.0.0.0/10",), ("81.0.0.0/10",), "sg")

    a, b = grant("a", "6", 20, 30), grant("b", "tcp", 25, 40)
    everything, dns, ping = grant("all", "-1", 0, 0), grant("dns", "17", 53, 53), grant("ping", "icmp", -1, -1)
    found = [
        (s.family, s.low, s.high, [g.label for g in s.grants]) for s in port_segments([a, b, everything, dns, ping])
    ]
    assert found == [
        ("all", 0, 65535, ["all"]),
        ("tcp", 20, 24, ["a", "all"]),
        ("tcp", 25, 30, ["a", "b", "all"]),
        ("tcp", 31, 40, ["b", "all"]),
        ("udp", 53, 53, ["all", "dns"]),
    ]
    assert [s.ports for s in port_segments([dns, grant("esp", "50", None, None)])] == ["UDP port 53", "protocol 50"]
