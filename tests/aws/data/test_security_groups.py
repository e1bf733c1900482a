"""Security groups: separate, described rules; data stores reachable only from the app's workloads."""

from __future__ import annotations

import re

from .helpers import APPS, EGRESS, INGRESS, SG, app_of, of

# Allowed characters of EC2 security group and rule descriptions.
DESCRIPTION = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")


def _rules(synthesis, app):
    """(direction, group role, port, peer role or CIDR) of every rule the app's data layer owns."""
    groups = {f"{g.name}-id": g.name.removeprefix(f"{app}-") for g in of(synthesis, SG, app)}
    groups["aws-endpoints-id"] = "endpoints"
    found = set()
    for direction, token in (("in", INGRESS), ("out", EGRESS)):
        for rule in of(synthesis, token, app):
            i = rule.inputs
            assert i["ipProtocol"] == "tcp" and i["fromPort"] == i["toPort"]
            peer = groups.get(i.get("referencedSecurityGroupId"), i.get("cidrIpv4"))
            found.add((direction, groups[i["securityGroupId"]], i["fromPort"], peer))
    return found


def test_zmage_rules_are_exactly_these(prod):
    assert _rules(prod, "zmage") == {
        ("out", "workloads", 443, "0.0.0.0/0"),
        ("in", "workloads", 3000, "workloads"),
        ("out", "workloads", 3000, "workloads"),
        ("in", "postgres", 5432, "workloads"),
        ("out", "workloads", 5432, "postgres"),
        ("in", "redis", 6379, "workloads"),
        ("out", "workloads", 6379, "redis"),
        ("in", "endpoints", 443, "workloads"),
    }


def test_sparkle_reaches_its_efs_volume_on_2049_only_from_its_workloads(prod):
    rules = _rules(prod, "sparkle")
    assert ("in", "efs", 2049, "workloads") in rules and ("out", "workloads", 2049, "efs") in rules
    assert {port for direction, group, port, _ in rules if group == "workloads" and direction == "in"} == {
        50051, 8080, 8000
    }


def test_dev_elizabeth_with_sqlite_has_an_efs_group_and_no_database_groups(dev):
    roles = {g.name.removeprefix("elizabeth-") for g in of(dev, SG, "elizabeth")}
    assert roles == {"workloads", "efs"}
    assert ("in", "efs", 2049, "workloads") in _rules(dev, "elizabeth")


def test_data_store_groups_accept_only_the_workload_group_and_send_nothing(prod):
    for app in APPS:
        for direction, group, port, peer in _rules(prod, app):
            if group in ("postgres", "redis", "efs"):
                assert direction == "in" and peer == "workloads", (app, group, port, peer)


def test_no_ingress_from_anywhere_and_every_rule_is_described(prod, dev, adopted):
    for synthesis in (prod, dev, adopted):
        for rule in synthesis.by_type(INGRESS):
            if app_of(synthesis, rule) is None and not rule.name.startswith("aws-"):
                continue
            assert rule.inputs.get("cidrIpv4") is None and rule.inputs.get("cidrIpv6") is None, rule.name
        for rule in synthesis.by_type(INGRESS) + synthesis.by_type(EGRESS) + synthesis.by_type(SG):
            assert DESCRIPTION.match(rule.inputs["description"]), (rule.name, rule.inputs["description"])
            assert "ingress" not in rule.inputs and "egress" not in rule.inputs  # no inline rules


def test_groups_revoke_their_rules_on_delete_so_cross_references_never_block_a_replacement(prod):
    assert {g.inputs["revokeRulesOnDelete"] for g in prod.by_type(SG)} == {True}
