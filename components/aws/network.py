"""The stack's network: a VPC with public, private (app) and isolated (data) subnets, or an adopted one.

Created VPCs get one subnet of each kind per AZ, NAT (none, one, or one per AZ), a default security
group stripped of every rule, an S3 gateway endpoint, optional interface endpoints and flow logs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming.aws import kms_alias
from appstack.stackconfig import StackSettings

from .common import account_context, child, physical_name, policy_json, tags
from .contracts import NetworkRefs
from .kms import AppKey, AppKeyArgs

INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "secretsmanager", "logs")


@dataclass(frozen=True)
class NetworkArgs:
    settings: StackSettings
    stack: str


@dataclass(frozen=True)
class NetworkPlan:
    """What the settings and the tier resolve to."""

    zones: list[str]
    nat: str  # none | single | per_az | adopted
    flow_logs: bool
    interface_endpoints: bool


def plan_network(settings: StackSettings) -> NetworkPlan:
    aws_settings, defaults = settings.aws, settings.defaults
    existing = aws_settings.existing_vpc
    if existing is not None:
        # NAT and routes belong to the adopted VPC; flow logs only when asked (its owner may have some).
        return NetworkPlan(list(existing.availability_zones), "adopted", bool(aws_settings.flow_logs),
                           aws_settings.interface_endpoints)
    count = aws_settings.availability_zones or defaults.availability_zones
    zones = list(aws_settings.zone_names or [f"{aws_settings.region}{letter}" for letter in "abcd"[:count]])
    nat = aws_settings.nat_gateways or ("per_az" if defaults.high_availability else "single")
    flow_logs = defaults.high_availability if aws_settings.flow_logs is None else aws_settings.flow_logs
    return NetworkPlan(zones, nat, flow_logs, aws_settings.interface_endpoints)


def subnet_cidrs(vpc_cidr: str, zone_count: int) -> dict[str, list[str]]:
    """Sixteen equal blocks of the VPC: private 0-3, isolated 4-7, public 8-11, 12-15 left free."""
    blocks = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=4))
    return {
        kind: [str(blocks[offset + i]) for i in range(zone_count)]
        for kind, offset in (("private", 0), ("isolated", 4), ("public", 8))
    }


class Network(pulumi.ComponentResource):
    refs: NetworkRefs
    # Interface endpoints accept HTTPS only from app workload groups, which each app adds (None: no endpoints).
    endpoint_security_group_id: pulumi.Output[str] | None

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Network", name, None, opts)
        self._name = name
        self._stack = args.stack
        settings = args.settings
        self.plan = plan_network(settings)
        existing = settings.aws.existing_vpc
        if existing is None:
            self.refs = self._create_vpc(settings.aws.vpc_cidr)
        else:
            self.refs = NetworkRefs(
                vpc_id=pulumi.Output.from_input(existing.vpc_id),
                vpc_cidr=pulumi.Output.from_input(existing.cidr),
                public_subnet_ids=[pulumi.Output.from_input(s) for s in existing.public_subnet_ids],
                private_subnet_ids=[pulumi.Output.from_input(s) for s in existing.private_subnet_ids],
                isolated_subnet_ids=[pulumi.Output.from_input(s) for s in existing.isolated_subnet_ids],
                availability_zones=self.plan.zones,
            )
        self.endpoint_security_group_id = self._interface_endpoints() if self.plan.interface_endpoints else None
        if self.plan.flow_logs:
            self._flow_logs(settings)
        self.register_outputs(
            {"vpc_id": self.refs.vpc_id, "private_subnet_ids": self.refs.private_subnet_ids}
        )

    def _tags(self, role: str, **extra: str) -> dict[str, str]:
        return {**tags(self._stack, role=role), "Name": physical_name(self._stack, role), **extra}

    def _create_vpc(self, cidr: str) -> NetworkRefs:
        name, zones = self._name, self.plan.zones
        vpc = aws.ec2.Vpc(
            name, cidr_block=cidr, enable_dns_support=True, enable_dns_hostnames=True,
            tags=self._tags("vpc"), opts=child(self),
        )
        # Adopt the default security group and remove every rule from it: nothing may use it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=vpc.id, ingress=[], egress=[], tags=self._tags("default-unused"),
            opts=child(self),
        )
        igw = aws.ec2.InternetGateway(name, vpc_id=vpc.id, tags=self._tags("igw"), opts=child(self))
        cidrs = subnet_cidrs(cidr, len(zones))
        subnets: dict[str, list[aws.ec2.Subnet]] = {}
        for kind in ("public", "private", "isolated"):
            subnets[kind] = [
                aws.ec2.Subnet(
                    f"{name}-{kind}-{i + 1}", vpc_id=vpc.id, cidr_block=cidrs[kind][i], availability_zone=zone,
                    map_public_ip_on_launch=False, tags=self._tags(f"{kind}-{zone}", **{"appstack:tier": kind}),
                    opts=child(self),
                )
                for i, zone in enumerate(zones)
            ]

        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags=self._tags("public"), opts=child(self))
        aws.ec2.Route(f"{name}-public-internet", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=child(self))
        for i, subnet in enumerate(subnets["public"]):
            aws.ec2.RouteTableAssociation(f"{name}-public-{i + 1}", route_table_id=public_rt.id,
                                          subnet_id=subnet.id, opts=child(self))

        nat_count = {"none": 0, "single": 1, "per_az": len(zones)}[self.plan.nat]
        nats = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-{i + 1}", domain="vpc", tags=self._tags(f"nat-{zones[i]}"), opts=child(self))
            nats.append(aws.ec2.NatGateway(
                f"{name}-nat-{i + 1}", allocation_id=eip.id, subnet_id=subnets["public"][i].id,
                connectivity_type="public", tags=self._tags(f"nat-{zones[i]}"),
                opts=child(self, depends_on=[igw]),
            ))
        private_rts = []
        for i, subnet in enumerate(subnets["private"]):
            rt = aws.ec2.RouteTable(f"{name}-private-{i + 1}", vpc_id=vpc.id, tags=self._tags(f"private-{zones[i]}"),
                                    opts=child(self))
            if nats:
                aws.ec2.Route(f"{name}-private-{i + 1}-internet", route_table_id=rt.id,
                              destination_cidr_block="0.0.0.0/0", nat_gateway_id=nats[i % len(nats)].id,
                              opts=child(self))
            aws.ec2.RouteTableAssociation(f"{name}-private-{i + 1}", route_table_id=rt.id, subnet_id=subnet.id,
                                          opts=child(self))
            private_rts.append(rt)
        # Isolated subnets: only the VPC's local route (and S3 through the gateway endpoint).
        isolated_rt = aws.ec2.RouteTable(f"{name}-isolated", vpc_id=vpc.id, tags=self._tags("isolated"),
                                         opts=child(self))
        for i, subnet in enumerate(subnets["isolated"]):
            aws.ec2.RouteTableAssociation(f"{name}-isolated-{i + 1}", route_table_id=isolated_rt.id,
                                          subnet_id=subnet.id, opts=child(self))
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=vpc.id, vpc_endpoint_type="Gateway",
            service_name=pulumi.Output.concat("com.amazonaws.", account_context(vpc.arn).region, ".s3"),
            route_table_ids=[rt.id for rt in private_rts] + [isolated_rt.id], tags=self._tags("s3-endpoint"),
            opts=child(self),
        )
        self._vpc_id = vpc.id
        return NetworkRefs(
            vpc_id=vpc.id,
            vpc_cidr=vpc.cidr_block,
            public_subnet_ids=[s.id for s in subnets["public"]],
            private_subnet_ids=[s.id for s in subnets["private"]],
            isolated_subnet_ids=[s.id for s in subnets["isolated"]],
            availability_zones=list(zones),
        )

    def _interface_endpoints(self) -> pulumi.Output[str]:
        group = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints", vpc_id=self.refs.vpc_id, revoke_rules_on_delete=True,
            description="Interface VPC endpoints: HTTPS from app workloads only (rules added per app)",
            tags=self._tags("endpoints"), opts=child(self),
        )
        region = account_context(group.arn).region
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}", vpc_id=self.refs.vpc_id, vpc_endpoint_type="Interface",
                service_name=pulumi.Output.concat("com.amazonaws.", region, f".{service}"),
                private_dns_enabled=True, subnet_ids=self.refs.private_subnet_ids, security_group_ids=[group.id],
                tags=self._tags(f"{service}-endpoint"), opts=child(self),
            )
        return group.id

    def _flow_logs(self, settings: StackSettings) -> None:
        name, defaults = f"{self._name}-flow-logs", settings.defaults
        key = AppKey(name, AppKeyArgs(
            description=f"appstack {self._stack}: VPC flow logs", alias=kms_alias(self._stack, "flow-logs"),
            deletion_window_days=30 if defaults.protect_stateful else 7, protect=defaults.protect_stateful,
            tags=tags(self._stack, role="flow-logs"),
        ), opts=child(self))
        account = key.account
        key.attach_policy()
        group = aws.cloudwatch.LogGroup(
            name, retention_in_days=defaults.log_retention_days, kms_key_id=key.arn,
            tags=tags(self._stack, role="flow-logs"), opts=child(self),
        )
        trust = policy_json([{
            "Sid": "FlowLogsAssumeRole", "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
        }])
        role = aws.iam.Role(name, assume_role_policy=trust, description="VPC flow logs delivery",
                            tags=tags(self._stack, role="flow-logs"), opts=child(self))
        aws.iam.RolePolicy(name, role=role.id, policy=policy_json([{
            "Sid": "DeliverFlowLogs", "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                       "logs:DescribeLogStreams"],
            "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
        }]), opts=child(self))
        aws.ec2.FlowLog(
            name, vpc_id=self.refs.vpc_id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=group.arn, iam_role_arn=role.arn, max_aggregation_interval=60,
            tags=tags(self._stack, role="flow-logs"), opts=child(self),
        )
