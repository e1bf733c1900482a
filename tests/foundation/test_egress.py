"""Outbound rules: the spec's egress and external data stores open exactly their ports, on both platforms."""

from __future__ import annotations

import pytest

from appstack.policy_check import run_policies
from tests.conftest import synth_config
from tests.foundation.helpers import problems

EGRESS = [
    {"port": 25, "to_port": 587, "hosts": ["smtp.example.com"], "description": "SMTP relay"},
    {"port": 9000, "protocol": "udp", "cidrs": ["10.20.0.0/16"], "description": "statsd"},
    {"port": 5432, "cidrs": ["0.0.0.0/0"], "description": "same as the external database"},
]
APP = {
    "database": {"engine": "external", "url_secret": "DATABASE_URL"},
    "cache": {"engine": "external", "url_secret": "REDIS_URL", "port": 6380, "cidrs": ["10.1.2.0/24"]},
    "secrets": {"DATABASE_URL": {"source": "provided"}, "REDIS_URL": {"source": "provided"}},
    "egress": EGRESS,
}
SECRETS = {"zmage:DATABASE_URL": "postgres://u:p@db.example.com/z", "zmage:REDIS_URL": "rediss://:t@10.1.2.3:6380",
           "zmage:GEMINI_API_KEY": "x", "zmage:SENTRY_DSN": "https://k@sentry.example.com/1"}


def synth(platform: str, tier: str):
    return synth_config(platform=platform, tier=tier, apps={"zmage": APP}, secrets=SECRETS)


def test_aws_opens_each_declared_port_to_its_blocks_only():
    rules = {
        r.name: (r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs.get("cidrIpv4"),
                 r.inputs.get("cidrIpv6"), r.inputs["description"])
        for r in synth("aws", "prod").by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if "-out-egress-" in r.name
    }
    database = "external PostgreSQL (database.url_secret DATABASE_URL)"
    assert rules == {
        "zmage-out-egress-tcp-25-587-anywhere": ("tcp", 25, 587, "0.0.0.0/0", None, "SMTP relay"),
        "zmage-out-egress-tcp-25-587-ipv6-anywhere": ("tcp", 25, 587, None, "::/0", "SMTP relay"),
        "zmage-out-egress-udp-9000-10-20-0-0-16": ("udp", 9000, 9000, "10.20.0.0/16", None, "statsd"),
        # the spec's own 5432 rule comes first; the external database adds only its IPv6 block
        "zmage-out-egress-tcp-5432-anywhere": ("tcp", 5432, 5432, "0.0.0.0/0", None, "same as the external database"),
        "zmage-out-egress-tcp-5432-ipv6-anywhere": ("tcp", 5432, 5432, None, "::/0", database),
        "zmage-out-egress-tcp-6380-10-1-2-0-24": ("tcp", 6380, 6380, "10.1.2.0/24", None,
                                                   "external Redis (cache.url_secret REDIS_URL)"),
    }


def test_kubernetes_allows_the_same_ports_and_blocks_to_app_pods():
    synthesis = synth("kubernetes", "dev")
    policy = next(p for p in synthesis.by_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                  if p.name.endswith("allow-declared-egress"))
    spec = policy.inputs["spec"]
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
         "ports": [{"protocol": "TCP", "port": 25, "endPort": 587}]},
        {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"protocol": "UDP", "port": 9000}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [{"ipBlock": {"cidr": "10.1.2.0/24"}}], "ports": [{"protocol": "TCP", "port": 6380}]},
    ]


def test_an_app_without_outbound_rules_gets_no_declared_egress_policy():
    synthesis = synth_config(platform="kubernetes", tier="dev", apps={"small-squaretable": None},
                             secrets={"small-squaretable:STRIPE_SECRET_KEY": "sk", "small-squaretable:STRIPE_WEBHOOK_SECRET": "wh"})
    assert not [p for p in synthesis.by_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                if p.name.endswith("allow-declared-egress")]


def test_declared_egress_passes_the_policy_pack_in_prod(capsys):
    synthesis = synth("aws", "prod")
    assert run_policies(synthesis, synthesis.model) == 0, capsys.readouterr().out


@pytest.mark.parametrize(("rule", "path", "message"), [
    ({"port": 25, "description": "x"}, "egress[0]", "give cidrs (where the port opens) or hosts"),
    ({"port": 600, "to_port": 500, "cidrs": ["10.0.0.0/8"], "description": "x"}, "egress[0]", "to_port (500) is below port (600)"),
    ({"port": 25, "cidrs": ["10.0.0.1/8"], "description": "x"}, "egress[0].cidrs[0]", "no host bits set"),
    ({"port": 25, "cidrs": ["10.0.0.0/8"], "description": "the app's relay"}, "egress[0].description", "does not match"),
    ({"port": 0, "cidrs": ["10.0.0.0/8"], "description": "x"}, "egress[0].port", "greater than or equal to 1"),
    ({"port": 25, "protocol": "icmp", "cidrs": ["10.0.0.0/8"], "description": "x"}, "egress[0].protocol", "'tcp' or 'udp'"),
])
def test_invalid_outbound_rules_name_the_field(rule, path, message):
    found = problems({"zmage": {"egress": [rule]}})
    assert any(p.path == f"apps.zmage.{path}" and message in p.message for p in found), found
