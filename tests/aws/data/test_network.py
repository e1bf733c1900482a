"""The stack's VPC: subnets per AZ and tier, NAT per tier, a rule-less default group, endpoints, flow logs."""

from __future__ import annotations

import ipaddress

import pytest
from appstack.components.aws.network import subnet_cidrs

from appstack.stackconfig import AwsSettings

from .conftest import ADOPTED
from .helpers import ENDPOINT, FLOW_LOG, LOG_GROUP, NAT, RDS_SUBNETS, ROUTE, SUBNET, document, of


def _subnets(synthesis, kind):
    return [s for s in synthesis.by_type(SUBNET) if s.inputs["tags"]["appstack:tier"] == kind]


def test_prod_spans_three_zones_with_a_nat_gateway_per_zone(prod):
    for kind in ("public", "private", "isolated"):
        assert sorted(s.inputs["availabilityZone"] for s in _subnets(prod, kind)) == [
            "us-east-1a", "us-east-1b", "us-east-1c"
        ]
    assert len(prod.by_type(NAT)) == 3
    nat_routes = [r for r in prod.by_type(ROUTE) if "natGatewayId" in r.inputs]
    assert sorted(r.inputs["natGatewayId"] for r in nat_routes) == ["aws-nat-1-id", "aws-nat-2-id", "aws-nat-3-id"]


def test_dev_spans_two_zones_with_one_nat_gateway_and_no_flow_logs_or_interface_endpoints(dev):
    assert len(_subnets(dev, "private")) == 2 and len(_subnets(dev, "isolated")) == 2
    assert len(dev.by_type(NAT)) == 1
    nat_routes = [r for r in dev.by_type(ROUTE) if "natGatewayId" in r.inputs]
    assert [r.inputs["natGatewayId"] for r in nat_routes] == ["aws-nat-1-id", "aws-nat-1-id"]
    assert dev.by_type(FLOW_LOG) == []
    assert [e.inputs["vpcEndpointType"] for e in dev.by_type(ENDPOINT)] == ["Gateway"]


def test_only_public_subnets_route_to_the_internet_gateway_and_isolated_ones_route_nowhere(prod):
    routes = prod.by_type(ROUTE)
    assert [r.name for r in routes if "gatewayId" in r.inputs] == ["aws-public-internet"]
    assert all(not r.name.startswith("aws-isolated") for r in routes)
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in prod.by_type(SUBNET))


def test_subnet_blocks_are_disjoint_and_inside_the_vpc():
    cidrs = subnet_cidrs("10.0.0.0/16", 4)
    networks = [ipaddress.ip_network(c) for kind in cidrs.values() for c in kind]
    assert len(networks) == 12
    assert all(n.subnet_of(ipaddress.ip_network("10.0.0.0/16")) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


def test_default_security_group_is_adopted_with_no_rules(prod, dev):
    for synthesis in (prod, dev):
        (default,) = synthesis.by_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
        assert default.inputs["ingress"] == [] and default.inputs["egress"] == []


def test_s3_gateway_endpoint_serves_private_and_isolated_route_tables(prod):
    (gateway,) = [e for e in prod.by_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    assert gateway.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert sorted(gateway.inputs["routeTableIds"]) == [
        "aws-isolated-id", "aws-private-1-id", "aws-private-2-id", "aws-private-3-id"
    ]


def test_prod_asks_for_interface_endpoints_in_the_private_subnets(prod):
    interface = [e for e in prod.by_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"] for e in interface) == [
        "com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.logs",
        "com.amazonaws.us-east-1.secretsmanager",
    ]
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert sorted(endpoint.inputs["subnetIds"]) == ["aws-private-1-id", "aws-private-2-id", "aws-private-3-id"]
        assert endpoint.inputs["securityGroupIds"] == ["aws-endpoints-id"]


def test_prod_flow_logs_capture_all_traffic_into_an_encrypted_log_group(prod):
    (flow_log,) = prod.by_type(FLOW_LOG)
    assert flow_log.inputs["trafficType"] == "ALL" and flow_log.inputs["vpcId"] == "aws-id"
    group = prod.named("aws-flow-logs", LOG_GROUP)
    assert group.inputs["retentionInDays"] == 90 and group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    trust = document(prod.named("aws-flow-logs", "aws:iam/role:Role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}


def test_an_adopted_vpc_creates_no_network_and_its_subnets_carry_the_data_stores(adopted):
    for kind in ("ec2/vpc:Vpc", "ec2/subnet:Subnet", "ec2/natGateway:NatGateway",
                 "ec2/defaultSecurityGroup:DefaultSecurityGroup"):
        assert adopted.by_type(f"aws:{kind}") == []
    (subnet_group,) = of(adopted, RDS_SUBNETS, "claude-relay")
    assert subnet_group.inputs["subnetIds"] == ADOPTED["isolated_subnet_ids"]
    assert {g.inputs["vpcId"] for g in adopted.by_type("aws:ec2/securityGroup:SecurityGroup")} == {ADOPTED["vpc_id"]}
    interface = [e for e in adopted.by_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    assert len(interface) == 4
    assert all(e.inputs["subnetIds"] == ADOPTED["private_subnet_ids"] for e in interface)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"vpc_cidr": "10.0.0.0/8"}, "from /16 to /24"),
        ({"zone_names": ["us-east-1a", "us-east-1b"], "availability_zones": 3}, "disagree"),
        ({"existing_vpc": {**ADOPTED, "isolated_subnet_ids": ["subnet-0ccccccccccccccc1"]}}, "at least 2"),
        ({"existing_vpc": {**ADOPTED, "availability_zones": ["a", "b", "c"]}}, "one public subnet per"),
        ({"nat_gateways": "two"}, "none"),
    ],
)
def test_network_settings_are_validated(settings, message):
    with pytest.raises(ValueError, match=message):
        AwsSettings.model_validate(settings)
